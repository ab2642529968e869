import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import type { Database, Queryable } from "./database.js";
import { KeyedMutex } from "../core/index.js";

/** Embedded PostgreSQL (PGlite) in a data folder, or in memory when `dataDir` is omitted. */
export async function createPgliteDatabase(dataDir?: string): Promise<Database> {
  const locks = new KeyedMutex();
  // PGlite creates only the last folder of the path; a fresh checkout has none of it.
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const db = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
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
