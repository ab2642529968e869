import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
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
  /**
   * A cluster for a data folder that holds none yet (or a database in memory) to start from
   * instead of running initdb: a gzipped dump (cluster-template.ts writes one at build time,
   * migrations included). One that cannot be read or loaded costs an initdb, as without it.
   */
  readonly template?: string;
}

/** What the database was started from, for a caller that reports its start-up. */
export type PgliteStart = "existing" | "template" | "initdb" | "memory";

/** Embedded PostgreSQL (PGlite) in a data folder, or in memory when `dataDir` is omitted. */
export async function createPgliteDatabase(
  dataDir?: string,
  o: PgliteOptions = {},
): Promise<Database & { readonly started: PgliteStart; dumpCluster(): Promise<Blob> }> {
  const locks = new KeyedMutex();
  const { db, started } = dataDir ? await inFolder(dataDir, o) : await inMemoryFrom(o.template);
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
    started,
    dumpCluster: () => db.dumpDataDir("gzip"),
  };
}

const gunzipAsync = promisify(gunzip);

async function inFolder(dataDir: string, o: PgliteOptions): Promise<{ db: PGlite; started: PgliteStart }> {
  // PGlite creates only the last folder of the path; a fresh checkout has none of it.
  await mkdir(dataDir, { recursive: true });
  const params = startParams(o.sharedBuffers);
  // Only an empty folder starts from the template: a cluster is opened as it is, and anything else
  // in the folder gets initdb's own refusal, never files laid over it.
  const empty = (await readdir(dataDir)).length === 0;
  const template = o.template && empty ? await readTemplate(o.template) : null;
  if (template) {
    try {
      return { db: await PGlite.create(dataDir, { ...params, loadDataDir: template }), started: "template" };
    } catch {
      // A template that does not load (truncated, another PGlite's) costs an initdb, not the store:
      // what it left in the folder is removed, and the folder held nothing before.
      for (const entry of await readdir(dataDir)) await rm(path.join(dataDir, entry), { recursive: true, force: true });
    }
  }
  return { db: await PGlite.create(dataDir, params), started: empty ? "initdb" : "existing" };
}

/** Each template file's archive, read once per process: in-memory databases are made by the hundred in tests. */
const templates = new Map<string, Promise<Blob | null>>();

/**
 * In memory, from `template` when it loads (its schema already migrated: the store's open then has
 * no migration to run), else as before from the empty cluster.
 */
async function inMemoryFrom(template: string | undefined): Promise<{ db: PGlite; started: PgliteStart }> {
  if (template) {
    if (!templates.has(template)) templates.set(template, readTemplate(template));
    const archive = await templates.get(template);
    if (archive) {
      try {
        return { db: await PGlite.create({ loadDataDir: archive }), started: "template" };
      } catch {
        // A template that does not load is not tried again; the empty cluster below serves.
        templates.set(template, Promise.resolve(null));
      }
    }
  }
  return { db: await inMemory(), started: "memory" };
}

async function readTemplate(file: string): Promise<Blob | null> {
  try {
    // Unzipped here rather than by PGlite, whose unzip reports a truncated file as an error event
    // nothing can catch (it ended the process), not as a rejection.
    const tar = await gunzipAsync(await readFile(file));
    // Not a tar archive: PGlite would try to unzip it, with the same uncatchable error.
    if (tar.subarray(257, 262).toString("latin1") !== "ustar") return null;
    return new Blob([tar]);
  } catch {
    // No template (a build that wrote none, a checkout run from source) or a damaged one: initdb, as without one.
    return null;
  }
}
