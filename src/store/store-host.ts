/**
 * A process that holds a PGlite store and answers other processes' queries (store-host-client.ts
 * says why). Started as `store-host <data folder> [--socket <path> --linger-ms <ms>]`:
 *
 * - with a socket, it serves every command that connects (`fix`, then `audit`, then the next
 *   `fix`), and stays open `--linger-ms` after the last one leaves, so that the next command
 *   finds the store open instead of paying PGlite's open (about half a second) and close again;
 * - without one, it serves its parent over IPC alone, and closes when the parent closes it or
 *   goes away.
 *
 * It holds the folder's owner file (store-owner.ts) while the store is open: a second host, or a
 * process that would open the folder itself, finds it taken.
 */
import { createServer, type Server, type Socket } from "node:net";
import { chmod, unlink } from "node:fs/promises";
import { KeyedMutex, SentinelError } from "../core/index.js";
import { appendLedgerIn } from "../ledger/index.js";
import type { Database, Queryable } from "./database.js";
import { migrate } from "./migrate.js";
import { CLUSTER_TEMPLATE_FILE } from "./cluster-template.js";
import { createPgliteDatabase } from "./pglite-database.js";
import { pendingMigrations } from "./schema-version.js";
import { readFrames, sendFrame } from "../core/index.js";
import { serializeError, type HostReply, type HostRequest } from "./store-host-protocol.js";
import { takeOwnership, type StoreOwnership } from "./store-owner.js";

const dataDir = process.argv[2];
const flag = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 2 ? process.argv[i + 1] : undefined;
};
const socketPath = flag("--socket");
const lingerMs = Math.max(0, Number(flag("--linger-ms") ?? 0) || 0);

/** A connected command: its open transactions and the locks it holds. */
interface Client {
  send(reply: HostReply): void;
  /** Ends the connection (after the last reply). */
  end(): void;
  readonly txs: Map<number, { tx: Queryable; end: (commit: boolean) => void; done: Promise<unknown> }>;
  readonly locks: Map<string, () => void>;
}

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

/** Thrown inside a transaction to roll it back; never reaches a client. */
class Rollback extends Error {}

/** withLock for every client: a lock one command holds, another waits for. */
const locks = new KeyedMutex();

async function serve(db: Database, client: Client, request: HostRequest): Promise<void> {
  const { id } = request;
  const send = (reply: HostReply) => client.send(reply);
  try {
    switch (request.type) {
      case "query": {
        const target = request.tx === undefined ? db : client.txs.get(request.tx)?.tx;
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
              client.txs.set(request.tx, {
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
        const t = client.txs.get(request.tx);
        if (!t) throw new Error(`transaction ${request.tx} is not open in the store host`);
        client.txs.delete(request.tx);
        t.end(request.commit);
        await t.done.catch((error: unknown) => {
          if (!(error instanceof Rollback)) throw error;
        });
        return void send({ type: "done", id });
      }
      case "append": {
        const entries = request.entries;
        if (request.tx === undefined) {
          const rows = await db.transaction((tx) => appendLedgerIn(tx, entries));
          return void send({ type: "done", id, rows, rowCount: rows.length });
        }
        const t = client.txs.get(request.tx);
        if (!t) throw new Error(`transaction ${request.tx} is not open in the store host`);
        const rows = await appendLedgerIn(t.tx, entries);
        return void send({ type: "done", id, rows, rowCount: rows.length });
      }
      case "lock": {
        const key = request.key;
        if (client.locks.has(key)) throw new Error(`the lock ${key} is held already by this command`);
        // Held until `unlock` (or the command leaves): the mutex's turn lasts as long as the promise.
        void locks.run(
          key,
          () =>
            new Promise<void>((release) => {
              client.locks.set(key, () => {
                client.locks.delete(key);
                release();
              });
              send({ type: "done", id });
            }),
        );
        return;
      }
      case "unlock":
        client.locks.get(request.key)?.();
        return void send({ type: "done", id });
      case "close":
        // This command is done with the store; the store stays open for others (or lingers).
        await leave(client);
        send({ type: "done", id });
        return client.end();
      case "shutdown": {
        // A process that would open the folder itself asks the lingering host to go first.
        if (clients.size > 1)
          throw new SentinelError("E_STORE_BUSY", `the store at ${dataDir} is in use by another command`);
        send({ type: "done", id });
        client.end();
        return void shutDown(0);
      }
    }
  } catch (error) {
    send({ type: "error", id, error: serializeError(error) });
  }
}

/** What a command left open when it went: its transactions roll back, its locks are released. */
async function leave(client: Client): Promise<void> {
  for (const release of [...client.locks.values()]) release();
  const txs = [...client.txs.values()];
  client.txs.clear();
  for (const t of txs) t.end(false);
  // Each was rolled back on purpose; a rollback's own failure has nobody left to tell.
  await Promise.all(txs.map((t) => t.done.catch(() => undefined)));
}

const clients = new Set<Client>();
let server: Server | null = null;
let ownership: StoreOwnership | null = null;
let idleTimer: NodeJS.Timeout | null = null;
let stopping: Promise<void> | null = null;

/** Closes the store (what it wrote is flushed to the folder), gives the folder back, and exits. */
function shutDown(code: number): Promise<void> {
  stopping ??= (async () => {
    server?.close();
    // Gone already is as good; an open that failed has nothing to close (it was reported).
    if (socketPath) await unlink(socketPath).catch(() => undefined);
    const db = await opening.catch(() => null);
    try {
      await db?.close();
    } finally {
      // The next opener takes over an owner file whose process has exited.
      await ownership?.release().catch(() => undefined);
      process.exit(code);
    }
  })();
  return stopping;
}

function joined(client: Client): void {
  clients.add(client);
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = null;
}

function left(client: Client): void {
  if (!clients.delete(client)) return;
  void leave(client);
  if (clients.size > 0) return;
  // The last command left: the store lingers for the next one, then closes.
  if (!socketPath || lingerMs === 0) return void shutDown(0);
  idleTimer = setTimeout(() => void shutDown(0), lingerMs);
}

function startServing(db: Promise<Database>, client: Client, request: HostRequest): void {
  // serve() answers its own errors; an open that failed was answered once, as `failed`.
  void db.then((d) => serve(d, client, request)).catch(() => undefined);
}

function acceptSocket(socket: Socket): void {
  const client: Client = {
    send: (reply) => {
      if (!socket.destroyed) sendFrame(socket, reply);
    },
    end: () => socket.end(),
    txs: new Map(),
    locks: new Map(),
  };
  joined(client);
  socket.on("close", () => left(client));
  // A command that went away mid-write: its close event does the rest.
  socket.on("error", () => undefined);
  readFrames(socket, (request) => startServing(opening, client, request as HostRequest));
  announce(client);
}

/** Tells a command the store is open, or why it could not be (and lets it go). */
function announce(client: Client): void {
  opening.then(
    () => client.send({ type: "ready" }),
    (error: unknown) => {
      client.send({ type: "failed", error: serializeError(error) });
      client.end();
    },
  );
}

function serveParent(): void {
  const client: Client = {
    send: (reply) => process.send?.(reply),
    end: () => process.disconnect(),
    txs: new Map(),
    locks: new Map(),
  };
  joined(client);
  process.on("message", (request: HostRequest) => startServing(opening, client, request));
  // The parent closed the store, or went away without closing (it crashed, or was killed): close
  // the store so what it wrote is flushed to the data folder, then go.
  process.on("disconnect", () => left(client));
  announce(client);
}

if (!dataDir || (!socketPath && !process.send)) {
  process.stderr.write("store-host: start it with fork() and the data folder, or with --socket <path>\n");
  process.exit(2);
}

/** The folder is taken before anything opens it; a host that finds it taken has nothing to do. */
async function open(dir: string): Promise<Database> {
  ownership = await takeOwnership(dir, { kind: "host", socket: socketPath ?? null });
  if (socketPath) {
    // A socket file left by a host that died: the owner file was stale, so nobody listens on it.
    await unlink(socketPath).catch(() => undefined);
    server = createServer(acceptSocket);
    await new Promise<void>((resolve, reject) => {
      server!.once("error", reject);
      server!.listen(socketPath, resolve);
    });
    // Only this user's commands may talk to the store.
    await chmod(socketPath, 0o600);
  }
  return openStore(dir);
}

// Requests that arrive while the store opens wait for it, in order.
const opening = open(dataDir);
if (!socketPath) serveParent();
opening.catch((error: unknown) => {
  if (socketPath) {
    // Another host has the folder: the command that started this one connects to that one.
    if (error instanceof SentinelError && error.code === "E_STORE_BUSY") process.exit(3);
    process.stderr.write(`store-host: ${error instanceof Error ? error.message : String(error)}\n`);
    // Commands already connected were told (`failed`); the rest find no socket.
    void shutDown(1);
  }
});
