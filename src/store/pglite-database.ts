import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import type { Database, Queryable } from "./database.js";
import { KeyedMutex } from "../core/index.js";

/**
 * The empty cluster the first in-memory database of this process started from. Creating a PGlite
 * runs initdb, about four times as long as loading a copy of its result, so later in-memory
 * databases (the CLI's runs, the test suites: hundreds per run) load this copy instead.
 */
let emptyCluster: Promise<Blob> | null = null;

async function inMemory(): Promise<PGlite> {
  if (emptyCluster) {
    try {
      return await PGlite.create({ loadDataDir: await emptyCluster });
    } catch {
      emptyCluster = null; // a copy that did not load is not kept: initdb below, as without one
    }
  }
  const db = await PGlite.create();
  const dump = db.dumpDataDir("none");
  emptyCluster ??= dump;
  await dump;
  return db;
}

/** Embedded PostgreSQL (PGlite) in a data folder, or in memory when `dataDir` is omitted. */
export async function createPgliteDatabase(dataDir?: string): Promise<Database> {
  const locks = new KeyedMutex();
  // PGlite creates only the last folder of the path; a fresh checkout has none of it.
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const db = dataDir ? await PGlite.create(dataDir) : await inMemory();
  const run = async <Row>(target: Pick<PGlite, "query">, sql: string, params?: readonly unknown[]) => {
    const result = await target.query<Row>(sql, params as unknown[] | undefined);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  };
  return {
    kind: "pglite",
    query: (sql, params) => run(db, sql, params),
    transaction: (fn) => db.transaction((t) => fn({ query: (sql, params) => run(t, sql, params) } satisfies Queryable)),
    withLock: (key, fn) => locks.run(key, fn),
    close: () => db.close(),
  };
}
