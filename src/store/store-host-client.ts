import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { KeyedMutex, SentinelError } from "../core/index.js";
import type { Database, Queryable } from "./database.js";
import type { HostReply, HostRequest, SerializedError } from "./store-host-protocol.js";

type Call = { resolve: (reply: { rows: unknown[]; rowCount: number }) => void; reject: (error: Error) => void };
type Request = HostRequest extends infer R ? (R extends HostRequest ? Omit<R, "id"> : never) : never;

/**
 * A PGlite store in a child process of its own (store-host.ts), for a process that starts many
 * children of its own, as `sentinel fix` does. With PGlite's WebAssembly memory in this process
 * every fork costs about four times as much (measured: 70-90 ms against 11-18 ms for `true`, over
 * 20 forks a run), and its open (1-2 s) would hold up the run; in a child it does neither: the
 * store opens on the other core while the run starts, and queries made before it is open wait.
 *
 * Returned at once: an open that fails rejects the first query (and every later one) with its
 * error, code and message as the store gave them.
 */
export function openStoreInChild(dataDir: string): Database & { readonly hostPid: number | undefined } {
  const child = startHost(dataDir);
  const calls = new Map<number, Call>();
  const locks = new KeyedMutex();
  let nextId = 1;
  let nextTx = 1;
  // Set once the host can answer no more: the open's error, or why it went away.
  let gone: Error | null = null;

  // The channel keeps this process alive only while a reply is awaited: a CLI that returns
  // without closing the store still exits (the host then closes the store itself, see store-host.ts).
  const holdOpen = () => (calls.size > 0 ? child.channel?.ref() : child.channel?.unref());
  child.unref();
  holdOpen();

  const fail = (error: Error) => {
    gone ??= error;
    for (const call of calls.values()) call.reject(gone);
    calls.clear();
    holdOpen();
  };
  child.on("message", (reply: HostReply) => {
    if (reply.type === "ready") return;
    if (reply.type === "failed") return fail(deserializeError(reply.error));
    const call = calls.get(reply.id);
    if (!call) return;
    calls.delete(reply.id);
    holdOpen();
    if (reply.type === "error") call.reject(deserializeError(reply.error));
    else call.resolve({ rows: reply.rows ?? [], rowCount: reply.rowCount ?? 0 });
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const hostGone = (what: string) =>
    new SentinelError(
      "E_STORE_HOST_EXITED",
      `the process holding the store at ${dataDir} ${what} before answering; run the command again, and if it ` +
        "happens again run with --database-url or check that the folder is writable",
    );
  child.once("exit", (code, signal) => fail(hostGone(`exited (${signal ?? `code ${code}`})`)));
  // The channel closes before the exit is seen; a reply can no longer come either way.
  child.once("disconnect", () => fail(hostGone("closed its channel")));
  child.on("error", (error) => fail(hostGone(`could not be reached (${error.message})`)));

  const call = (request: Request) =>
    new Promise<{ rows: unknown[]; rowCount: number }>((resolve, reject) => {
      if (gone || !child.connected) return reject(gone ?? hostGone("closed its channel"));
      const id = nextId++;
      calls.set(id, { resolve, reject });
      holdOpen();
      child.send({ ...request, id } as HostRequest);
    });
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

  return {
    kind: "pglite",
    hostPid: child.pid,
    query: query(),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const tx = nextTx++;
      await call({ type: "begin", tx });
      let result: T;
      try {
        result = await fn({ query: query(tx) });
      } catch (error) {
        // The caller's error is the one to report; a rollback that fails too adds nothing.
        await call({ type: "end", tx, commit: false }).catch(() => undefined);
        throw error;
      }
      await call({ type: "end", tx, commit: true });
      return result;
    },
    // One process uses the store (the host serves only its parent), so a lock in this process suffices.
    withLock: (key, fn) => locks.run(key, fn),
    async close() {
      // Waiting for the host's exit must keep this process alive: with nothing else pending, an
      // unreferenced child would let Node end it mid-close (exit code 13, an unsettled await).
      child.ref();
      if (!gone) await call({ type: "close" });
      await exited;
    },
  };
}

/** Forks store-host beside this module: compiled, or (under the test runner) its TypeScript through tsx. */
function startHost(dataDir: string): ChildProcess {
  const fromSource = import.meta.url.endsWith(".ts");
  const host = fileURLToPath(new URL(fromSource ? "./store-host.ts" : "./store-host.js", import.meta.url));
  return fork(host, [dataDir], {
    serialization: "advanced",
    execArgv: fromSource ? ["--import", "tsx"] : [],
    // Its stderr is this process's: a crash of the host is seen where the command runs.
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
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
