/**
 * A child process that holds a PGlite store and answers its parent's queries over IPC (see
 * store-host-client.ts for why). Started with the data folder as its only argument; exits once
 * the store is closed, or closes it and exits when its parent goes away.
 */
import type { Database, Queryable } from "./database.js";
import { migrate } from "./migrate.js";
import { CLUSTER_TEMPLATE_FILE } from "./cluster-template.js";
import { createPgliteDatabase } from "./pglite-database.js";
import { pendingMigrations } from "./schema-version.js";
import { serializeError, type HostReply, type HostRequest } from "./store-host-protocol.js";

const dataDir = process.argv[2];
const send = (reply: HostReply) => process.send?.(reply);

/** The transactions the parent has open: their queries, and how each is ended. */
const open = new Map<number, { tx: Queryable; end: (commit: boolean) => void; done: Promise<unknown> }>();

/**
 * openDatabase({ dataDir })'s PGlite path, without loading pg: PGlite's one role owns the
 * schema, so pending migrations simply run.
 */
async function openStore(dir: string): Promise<Database> {
  // A small buffer cache: PGlite zeroes all of it at every open (pglite-database.ts).
  const db = await createPgliteDatabase(dir, { sharedBuffers: "16MB", template: CLUSTER_TEMPLATE_FILE });
  try {
    if ((await pendingMigrations(db)).length > 0) await migrate(db);
  } catch (error) {
    // The migration's error is the one to report; a close that fails too adds nothing.
    await db.close().catch(() => undefined);
    throw error;
  }
  return db;
}

let closing: Promise<void> | null = null;
const closeOnce = (db: Database) => (closing ??= db.close());

/** Thrown inside a transaction to roll it back; never reaches the parent. */
class Rollback extends Error {}

async function serve(db: Database, request: HostRequest): Promise<void> {
  const { id } = request;
  try {
    switch (request.type) {
      case "query": {
        const target = request.tx === undefined ? db : open.get(request.tx)?.tx;
        if (!target) throw new Error(`transaction ${request.tx} is not open in the store host`);
        const { rows, rowCount } = await target.query(request.sql, request.params);
        return void send({ type: "done", id, rows, rowCount });
      }
      case "begin": {
        let began!: () => void;
        const started = new Promise<void>((resolve) => (began = resolve));
        const done = db.transaction(
          (tx) =>
            new Promise<void>((resolve, reject) => {
              open.set(request.tx, {
                tx,
                end: (commit) => (commit ? resolve() : reject(new Rollback())),
                done,
              });
              began();
            }),
        );
        // Settled by `end`, which reports its outcome; until then nothing may call it unhandled.
        done.catch(() => undefined);
        // A transaction that could not start (BEGIN failed) rejects before it ever began.
        await Promise.race([started, done]);
        return void send({ type: "done", id });
      }
      case "end": {
        const t = open.get(request.tx);
        if (!t) throw new Error(`transaction ${request.tx} is not open in the store host`);
        open.delete(request.tx);
        t.end(request.commit);
        await t.done.catch((error: unknown) => {
          if (!(error instanceof Rollback)) throw error;
        });
        return void send({ type: "done", id });
      }
      case "close":
        await closeOnce(db);
        send({ type: "done", id });
        return process.disconnect();
    }
  } catch (error) {
    send({ type: "error", id, error: serializeError(error) });
  }
}

if (!dataDir || !process.send) {
  process.stderr.write("store-host: start it with fork(), its data folder as the only argument\n");
  process.exit(2);
}
// Requests that arrive while the store opens wait for it, in order.
const opening = openStore(dataDir);
process.on("message", (request: HostRequest) => {
  // serve() answers its own errors; an open that failed was answered once, as `failed`, below.
  void opening.then((db) => serve(db, request)).catch(() => undefined);
});
// The parent went away without closing (it crashed, or was killed): close the store so what it
// wrote is flushed to the data folder, then go.
process.on("disconnect", () => {
  void opening
    .then(closeOnce)
    // Nobody is left to tell: an open that failed was reported as `failed`, and a close that fails has no caller.
    .catch(() => undefined)
    .finally(() => process.exit(0));
});
opening.then(
  () => send({ type: "ready" }),
  (error: unknown) => {
    send({ type: "failed", error: serializeError(error) });
    process.disconnect();
  },
);
