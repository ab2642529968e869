import { fork, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync, closeSync } from "node:fs";
import { connect, type Socket } from "node:net";
import path from "node:path";
import { DIST_DIR, FROM_SOURCE, isPrivateFolder, PACKAGE_ROOT, SentinelError } from "../core/index.js";
import { jsonForPostgres, type LedgerEntry, type LedgerSql, type NewLedgerEntry } from "../ledger/index.js";
import type { Database, Queryable } from "./database.js";
import { readFrames, sendFrame } from "../core/index.js";
import type { HostReply, HostRequest, SerializedError } from "./store-host-protocol.js";
import { busy, currentOwner, hostSocketOf } from "./store-owner.js";

type Call = { resolve: (reply: { rows: unknown[]; rowCount: number }) => void; reject: (error: Error) => void };
type Request = HostRequest extends infer R ? (R extends HostRequest ? Omit<R, "id"> : never) : never;

/** How long a new store host may take to listen (it listens before the store opens). */
const CONNECT_TIMEOUT_MS = 30_000;

/** One way to talk to a host: its IPC channel (a child of this process) or its socket. */
interface Channel {
  send(request: HostRequest): void;
  /** Keeps this process alive while a reply is awaited, and only then. */
  hold(waiting: boolean): void;
  /** After `close`: resolves when the host (IPC) or the connection (socket) is gone. */
  readonly ended: Promise<void>;
  readonly hostPid: number | undefined;
}

export interface StoreHostOptions {
  /**
   * How long the host keeps the store open after the last command leaves, for the next one
   * (SENTINEL_STORE_LINGER_S). 0: the host is this process's child and closes with it.
   */
  readonly lingerMs?: number;
}

/**
 * A PGlite store in another process (store-host.ts), for a process that starts many children of
 * its own, as `sentinel fix` does. With PGlite's WebAssembly memory in this process every fork
 * costs about four times as much (measured: 70-90 ms against 11-18 ms for `true`, over 20 forks a
 * run), and its open (0.5-2 s) would hold up the run; in another process it does neither.
 *
 * With `lingerMs`, the host is shared: the first command starts it (detached), it listens on
 * `<folder>.sock`, and it stays open that long after the last command leaves, so the next command
 * finds the store open. Without, it is a child that opens while the run starts and closes with it.
 *
 * Returned at once: queries made before the host answers wait; an open that fails rejects the
 * first query (and every later one) with its error, code and message as the store gave them.
 */
export function openStoreInChild(
  dataDir: string,
  o: StoreHostOptions = {},
): Database & LedgerSql & { readonly hostPid: number | undefined } {
  const calls = new Map<number, Call>();
  let nextId = 1;
  let nextTx = 1;
  // Set once the host can answer no more: the open's error, or why it went away.
  let gone: Error | null = null;
  let closed = false;
  const hostGone = (what: string) => hostGoneError(dataDir, what);
  const fail = (error: Error) => {
    gone ??= error;
    for (const call of calls.values()) call.reject(gone);
    calls.clear();
  };
  const onReply = (reply: HostReply) => {
    if (reply.type === "ready") return;
    if (reply.type === "failed") return fail(deserializeError(reply.error));
    const call = calls.get(reply.id);
    if (!call) return;
    calls.delete(reply.id);
    current?.hold(calls.size > 0);
    if (reply.type === "error") call.reject(deserializeError(reply.error));
    else call.resolve({ rows: reply.rows ?? [], rowCount: reply.rowCount ?? 0 });
  };
  const onGone = (what: string) => {
    if (!closed) fail(hostGone(what));
  };
  // Shared only from a folder no other user can change: a socket there is this user's own.
  const parent = path.dirname(path.resolve(dataDir));
  if ((o.lingerMs ?? 0) > 0) mkdirSync(parent, { recursive: true, mode: 0o700 });
  const shared = (o.lingerMs ?? 0) > 0 && isPrivateFolder(parent);
  const socket = shared ? hostSocketOf(dataDir) : null;
  // A child's channel exists at once (its pid too); a shared host's once connected.
  let current: Channel | null = socket ? null : childChannel(dataDir, onReply, onGone);
  const channel: Promise<Channel> = current
    ? Promise.resolve(current)
    : connectToHost(dataDir, socket!, o.lingerMs!, onReply, onGone).then((c) => (current = c));
  // A connection that failed fails every call; nothing awaits it unhandled meanwhile.
  channel.catch((error: Error) => fail(error));

  const call = async (request: Request) => {
    const c = await channel;
    return new Promise<{ rows: unknown[]; rowCount: number }>((resolve, reject) => {
      if (gone) return reject(gone);
      const id = nextId++;
      calls.set(id, { resolve, reject });
      c.hold(true);
      c.send({ ...request, id } as HostRequest);
    });
  };
  const query =
    (tx?: number) =>
    async <Row>(sql: string, params?: readonly unknown[]) => {
      const { rows, rowCount } = await call({
        type: "query",
        sql,
        ...(params ? { params: [...params] } : {}),
        ...(tx === undefined ? {} : { tx }),
      });
      return { rows: rows as Row[], rowCount };
    };
  const appendLedger = (tx?: number) => appendThrough(call, tx);

  const db = {
    kind: "pglite" as const,
    get hostPid() {
      return current?.hostPid;
    },
    query: query(),
    appendLedger: appendLedger(),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const tx = nextTx++;
      await call({ type: "begin", tx });
      let result: T;
      try {
        const conn: Queryable & LedgerSql = { query: query(tx), appendLedger: appendLedger(tx) };
        result = await fn(conn);
      } catch (error) {
        // The caller's error is the one to report; a rollback that fails too adds nothing.
        await call({ type: "end", tx, commit: false }).catch(() => undefined);
        throw error;
      }
      await call({ type: "end", tx, commit: true });
      return result;
    },
    // Held in the host: commands sharing it take their turns.
    async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
      await call({ type: "lock", key });
      try {
        return await fn();
      } finally {
        // A host that went away released every lock with it; the caller's own outcome stands.
        await call({ type: "unlock", key }).catch(() => undefined);
      }
    },
    async close() {
      if (closed) return;
      // A host that could not be reached has nothing to close.
      const c = await channel.catch(() => null);
      if (!c) return;
      // Waiting for the end must keep this process alive: with nothing else pending, an
      // unreferenced channel would let Node end it mid-close (exit code 13, an unsettled await).
      c.hold(true);
      if (!gone) await call({ type: "close" }).catch(() => undefined);
      closed = true;
      // (The reply let go of the channel.)
      c.hold(true);
      await c.ended;
    },
  };
  return db;
}

/** The ledger's append, four statements, in one round trip (see LedgerSql). */
function appendThrough(call: (request: Request) => Promise<{ rows: unknown[] }>, tx: number | undefined) {
  return async (entries: readonly NewLedgerEntry[]) => {
    // As JSON, which is what the ledger keeps and hashes: the channel would carry a class
    // instance without its toJSON, and refuse a function.
    const plain = entries.map((e) => ({ ...e, data: JSON.parse(jsonForPostgres(e.data)) as Record<string, unknown> }));
    const { rows } = await call({ type: "append", entries: plain, ...(tx === undefined ? {} : { tx }) });
    return rows as LedgerEntry[];
  };
}

function hostGoneError(dataDir: string, what: string): SentinelError {
  return new SentinelError(
    "E_STORE_HOST_EXITED",
    `the process holding the store at ${dataDir} ${what} before answering; run the command again, and if it ` +
      "happens again run with --database-url or check that the folder is writable",
  );
}

/** A host of this process's own, over IPC: it opens while the run starts and closes with it. */
function childChannel(dataDir: string, onReply: (r: HostReply) => void, onGone: (what: string) => void): Channel {
  const child = startChild(dataDir);
  child.unref();
  child.on("message", onReply);
  const ended = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", (code, signal) => onGone(`exited (${signal ?? `code ${code}`})`));
  // The channel closes before the exit is seen; a reply can no longer come either way.
  child.once("disconnect", () => onGone("closed its channel"));
  child.on("error", (error) => onGone(`could not be reached (${error.message})`));
  const channel: Channel = {
    hostPid: child.pid,
    send: (request) => {
      if (!child.connected) return onGone("closed its channel");
      child.send(request);
    },
    hold: (waiting) => {
      if (waiting) {
        child.ref();
        child.channel?.ref();
      } else {
        child.unref();
        child.channel?.unref();
      }
    },
    ended,
  };
  channel.hold(false);
  return channel;
}

/**
 * Connects to the folder's shared host, starting it when none listens. Two commands that start
 * one at once race for the folder's owner file: the loser exits (code 3) and both connect to the
 * winner. A folder held by a process that opened it itself is E_STORE_BUSY. A host that fails
 * before it listens leaves this command to a host of its own (childChannel).
 */
async function connectToHost(
  dataDir: string,
  socketPath: string,
  lingerMs: number,
  onReply: (r: HostReply) => void,
  onGone: (what: string) => void,
): Promise<Channel> {
  const deadline = Date.now() + CONNECT_TIMEOUT_MS;
  let started: { child: ChildProcess; exit: number | null } | null = null;
  for (;;) {
    const socket = await tryConnect(socketPath);
    if (socket) return socketChannel(socket, onReply, onGone);
    if (!started) {
      const owner = await currentOwner(dataDir);
      if (owner && owner.kind === "process") throw busy(dataDir, owner);
      // A host that holds the folder but does not listen yet (or is closing) is waited for.
      if (!owner) {
        const child = startDetachedHost(dataDir, socketPath, lingerMs);
        const s = { child, exit: null as number | null };
        child.once("exit", (code) => (s.exit = code ?? 1));
        started = s;
      }
    } else if (started.exit !== null) {
      // It could not listen (a file system without sockets) or not open the store: a host of this
      // command's own serves it over IPC, and reports an open's error as the store gives it.
      if (started.exit !== 0 && started.exit !== 3) return childChannel(dataDir, onReply, onGone);
      // It found the folder taken: by a host (connect to it, or start another once it has
      // gone), or by a process using the folder itself.
      started = null;
    }
    if (Date.now() > deadline)
      throw new SentinelError(
        "E_STORE_HOST_EXITED",
        `no store host answered at ${socketPath} within ${CONNECT_TIMEOUT_MS / 1000} s; see ${hostLogOf(dataDir)}`,
      );
    await new Promise((r) => setTimeout(r, 10));
  }
}

function tryConnect(socketPath: string): Promise<Socket | null> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    socket.once("connect", () => {
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      // Nobody listens (yet): no socket file, or one left by a host that has gone.
      if (error.code === "ENOENT" || error.code === "ECONNREFUSED") resolve(null);
      else reject(error);
    });
  });
}

function socketChannel(socket: Socket, onReply: (r: HostReply) => void, onGone: (what: string) => void): Channel {
  readFrames(socket, (reply) => onReply(reply as HostReply));
  const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.once("close", () => onGone("closed the connection"));
  socket.on("error", (error) => onGone(`could not be reached (${error.message})`));
  const channel: Channel = {
    hostPid: undefined,
    send: (request) => sendFrame(socket, request),
    hold: (waiting) => (waiting ? socket.ref() : socket.unref()),
    ended,
  };
  channel.hold(false);
  return channel;
}

function hostLogOf(dataDir: string): string {
  return `${path.resolve(dataDir)}.host.log`;
}

function hostModule(): { file: string; execArgv: string[] } {
  return FROM_SOURCE
    ? { file: path.join(PACKAGE_ROOT, "src", "store", "store-host.ts"), execArgv: ["--import", "tsx"] }
    : { file: path.join(DIST_DIR, "store", "store-host.js"), execArgv: [] };
}

/** Forks store-host: compiled, or (under the test runner) its TypeScript through tsx. */
function startChild(dataDir: string): ChildProcess {
  const { file, execArgv } = hostModule();
  return fork(file, [dataDir], {
    serialization: "advanced",
    execArgv,
    // Its stderr is this process's: a crash of the host is seen where the command runs.
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
}

/** A host that outlives this command: its own session, its stderr in `<folder>.host.log`. */
function startDetachedHost(dataDir: string, socketPath: string, lingerMs: number): ChildProcess {
  const { file, execArgv } = hostModule();
  mkdirSync(path.dirname(path.resolve(dataDir)), { recursive: true });
  const log = openSync(hostLogOf(dataDir), "a", 0o600);
  try {
    const child = spawn(
      process.execPath,
      [...execArgv, file, dataDir, "--socket", socketPath, "--linger-ms", String(lingerMs)],
      { detached: true, stdio: ["ignore", "ignore", log] },
    );
    child.unref();
    return child;
  } finally {
    closeSync(log);
  }
}

/** The host's error as the caller would have got it in-process: a SentinelError keeps its code. */
function deserializeError(e: SerializedError): Error {
  const code = e.fields.code;
  const error =
    typeof code === "string" && code.startsWith("E_")
      ? new SentinelError(code as SentinelError["code"], e.message)
      : new Error(e.message);
  Object.assign(error, e.fields);
  error.name = e.name;
  return error;
}

/**
 * For a process about to open the folder itself (`sentinel serve`, the app, `audit`): asks the
 * folder's lingering host to close, and waits until it has given the folder back. Fails with
 * E_STORE_BUSY while a command is using that host.
 */
export async function closeSharedHost(dataDir: string, socketPath: string): Promise<void> {
  const socket = await tryConnect(socketPath);
  if (socket) {
    const reply = await new Promise<HostReply | null>((resolve) => {
      readFrames(socket, (r) => {
        const m = r as HostReply;
        if (m.type === "done" || m.type === "error") resolve(m);
      });
      socket.once("close", () => resolve(null));
      // A host that closed as asked may drop the connection before answering: the wait below decides.
      socket.on("error", () => resolve(null));
      sendFrame(socket, { type: "shutdown", id: 1 } satisfies HostRequest);
    });
    socket.destroy();
    if (reply?.type === "error") throw deserializeError(reply.error);
  }
  const deadline = Date.now() + CONNECT_TIMEOUT_MS;
  for (let owner = await currentOwner(dataDir); owner?.kind === "host"; owner = await currentOwner(dataDir)) {
    if (Date.now() > deadline) throw busy(dataDir, owner);
    await new Promise((r) => setTimeout(r, 20));
  }
}
