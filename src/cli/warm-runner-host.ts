/**
 * The warm fix runner's host (warm-runner.ts says why it exists): started as
 * `warm-runner-host --socket <path> --linger-ms <ms>`, detached, by the `sentinel fix` that found
 * none. It keeps two spares (warm-runner-child.ts) loaded, hands each connection to a ready one,
 * loads its replacement when that run ends, and closes `--linger-ms` after its last run ended.
 *
 * It runs nothing itself and reads nothing from a connection: the spare that gets it does both.
 */
import { fork, type ChildProcess } from "node:child_process";
import { statSync, unlinkSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const flag = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 1 ? process.argv[i + 1] : undefined;
};
const socketPath = flag("--socket");
const lingerMs = Math.max(0, Number(flag("--linger-ms") ?? 0) || 0);
const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), "warm-runner-child.js");

if (!socketPath || lingerMs === 0) {
  process.stderr.write("warm-runner-host: needs --socket <path> and --linger-ms <ms> (more than 0)\n");
  process.exit(2);
}

/** A spare process, once it has said it is ready. */
interface Spare {
  readonly child: ChildProcess;
  ready: boolean;
}

/**
 * Spares kept loaded: two, so that a `fix` that follows another at once (a script over several
 * repositories) finds one ready while the other's replacement loads.
 */
const SPARES = 2;
const spares: Spare[] = [];
/** A spare is loading: they load one at a time. */
let loading = false;
const waiting: Socket[] = [];
let idle: NodeJS.Timeout | null = null;
/** Runs handed to spares that have not ended: the host lingers from the last one's end. */
let running = 0;
/** The socket file this host made (device and inode), so that it never removes another's. */
let own: { dev: number; ino: number } | null = null;
let closing = false;

/**
 * Loads the next spare when fewer than SPARES are kept. Not while a run goes on, unless a client
 * waits: on a machine with few cores a spare's start-up would take CPU from the run it is meant to
 * speed up, so replacements load when runs end.
 */
function topUp(): void {
  if (closing || loading || spares.length >= SPARES || (running > 0 && waiting.length === 0)) return;
  loading = true;
  // The spare's stderr is the host's (its log); it reports on the IPC channel, not on stdout.
  const child = fork(CHILD, [], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const spare: Spare = { child, ready: false };
  spares.push(spare);
  let settled = false;
  const loaded = (ok: boolean) => {
    if (settled) return;
    settled = true;
    loading = false;
    if (!ok) {
      // A spare that died before it was ready (a broken build): the clients run their commands
      // themselves, and this host stops rather than fork forever.
      process.stderr.write("warm-runner-host: a spare process failed to start; closing\n");
      for (const s of waiting.splice(0)) s.destroy();
      return shutdown();
    }
    spare.ready = true;
    serve();
    topUp();
  };
  child.once("message", (m) => loaded((m as { type?: string }).type === "ready"));
  child.once("error", () => loaded(false));
  child.once("exit", () => {
    loaded(false);
    // A spare that went away while waiting (killed, out of memory) is replaced.
    const i = spares.indexOf(spare);
    if (i >= 0) {
      spares.splice(i, 1);
      topUp();
    }
  });
}

/** Hands waiting connections to ready spares, one each. */
function serve(): void {
  while (waiting.length > 0 && !closing) {
    const i = spares.findIndex((s) => s.ready);
    if (i < 0) return topUp();
    const [spare] = spares.splice(i, 1);
    const { child } = spare!;
    const socket = waiting.shift()!;
    running++;
    child.send({ type: "run" }, socket, (error) => {
      // The spare is gone: this connection closes and its client runs the command itself.
      if (error) socket.destroy();
    });
    // The log says which process ran which command: a run's own output names its run.
    process.stderr.write(`${new Date().toISOString()} handed a connection to process ${child.pid}\n`);
    child.once("exit", () => {
      running--;
      topUp();
      // The linger counts from the last run's end.
      if (running === 0 && waiting.length === 0) armIdle();
    });
  }
}

function armIdle(): void {
  if (idle) clearTimeout(idle);
  idle = setTimeout(shutdown, lingerMs);
}

function shutdown(): void {
  if (closing) return;
  closing = true;
  server.close();
  for (const s of spares) s.child.kill();
  try {
    const s = statSync(socketPath!);
    if (own && s.dev === own.dev && s.ino === own.ino) unlinkSync(socketPath!);
  } catch {
    // Already gone: nothing to clean.
  }
  // Runs in progress belong to their own processes, which outlive this one.
  setTimeout(() => process.exit(0), 100).unref();
}

const server = createServer({ pauseOnConnect: true }, (socket) => {
  if (idle) clearTimeout(idle);
  idle = null;
  waiting.push(socket);
  serve();
});

server.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EADDRINUSE") throw error;
  // A socket file is there: a live host answers (this one is not needed); a dead one's file is removed.
  const probe = connect(socketPath);
  probe.once("connect", () => {
    probe.destroy();
    process.exit(0);
  });
  probe.once("error", () => {
    try {
      unlinkSync(socketPath);
    } catch {
      // Another host starting at the same moment removed it first: listening decides between us.
    }
    listen();
  });
});

function listen(): void {
  // The socket is created this user's only (0600): a run gets the connecting process's environment.
  process.umask(0o077);
  server.listen(socketPath, () => {
    const s = statSync(socketPath!);
    own = { dev: s.dev, ino: s.ino };
    process.stderr.write(`${new Date().toISOString()} listening on ${socketPath}\n`);
  });
}

for (const s of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(s, shutdown);
listen();
topUp();
armIdle();
