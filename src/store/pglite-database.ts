import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
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
  emptyCluster ??= sharedCluster();
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
  const file = process.env.SENTINEL_PGLITE_TEMPLATE;
  if (file) await keepCluster(file, await dump);
  return db;
}

/**
 * `SENTINEL_PGLITE_TEMPLATE`'s copy of the empty cluster, written by the first process that needed
 * one: each test file runs in a process of its own, and initdb in each was most of their time.
 */
function sharedCluster(): Promise<Blob> | null {
  const file = process.env.SENTINEL_PGLITE_TEMPLATE;
  if (!file) return null;
  return readFile(file).then(
    (bytes) => new Blob([bytes]),
    () => Promise.reject(new Error("no template yet")),
  );
}

async function keepCluster(file: string, dump: Blob): Promise<void> {
  // Written beside and renamed into place: a process that reads it never sees half of it.
  const partial = `${file}.${process.pid}.partial`;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, file);
  } catch {
    // Only a cache: without it the next process runs initdb as this one did.
    await rm(partial, { force: true });
  }
}

/**
 * PostgreSQL's start parameters with its buffer cache set to `sharedBuffers`, or none (PGlite's
 * own) when this PGlite does not say what its defaults are: its start parameters replace them.
 */
function startParams(sharedBuffers: string | undefined): { startParams?: string[] } {
  const defaults = (PGlite as unknown as { defaultStartParams?: unknown }).defaultStartParams;
  if (!sharedBuffers || !Array.isArray(defaults)) return {};
  return { startParams: [...(defaults as string[]), "-c", `shared_buffers=${sharedBuffers}`] };
}

export interface PgliteOptions {
  /**
   * PostgreSQL's shared_buffers for a data folder (the cluster's own is 128MB). PGlite zeroes all
   * of it at every open: with 16MB the CLI's open skips about 0.3-0.9 s of CPU (profiled), and a
   * local store of a few thousand runs fits the smaller cache.
   */
  readonly sharedBuffers?: string;
}

/** Embedded PostgreSQL (PGlite) in a data folder, or in memory when `dataDir` is omitted. */
export async function createPgliteDatabase(dataDir?: string, o: PgliteOptions = {}): Promise<Database> {
  const locks = new KeyedMutex();
  // PGlite creates only the last folder of the path; a fresh checkout has none of it.
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const db = dataDir ? await PGlite.create(dataDir, startParams(o.sharedBuffers)) : await inMemory();
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
