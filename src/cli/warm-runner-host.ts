/**
 * The warm fix runner's host (warm-runner.ts says why it exists): started as
 * `warm-runner-host --socket <path> --linger-ms <ms>`, detached, by the `sentinel fix` that found
 * none. It keeps one spare (warm-runner-child.ts) ready, hands each connection to the spare and
 * starts the next, and closes after `--linger-ms` without a connection.
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

/** A spare and whether it has said it is ready. */
interface Spare {
  readonly child: ChildProcess;
  ready: Promise<boolean>;
}

let spare: Spare | null = null;
const waiting: Socket[] = [];
let idle: NodeJS.Timeout | null = null;
/** Runs handed to spares that have not ended: the host lingers from the last one's end. */
let running = 0;
/** The socket file this host made (device and inode), so that it never removes another's. */
let own: { dev: number; ino: number } | null = null;
let closing = false;

function startSpare(): Spare {
  // The spare's stderr is the host's (its log); it reports on the IPC channel, not on stdout.
  const child = fork(CHILD, [], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const ready = new Promise<boolean>((resolve) => {
    child.once("message", (m) => resolve((m as { type?: string }).type === "ready"));
    child.once("exit", () => resolve(false));
    child.once("error", () => resolve(false));
  });
  return { child, ready };
}

/** Hands waiting connections to the spare, one each, starting a new spare after each. */
async function serve(): Promise<void> {
  while (waiting.length > 0 && !closing) {
    const current = (spare ??= startSpare());
    if (!(await current.ready)) {
      // A spare that died before it was ready (a broken build): the clients run their commands
      // themselves, and this host stops rather than fork forever.
      process.stderr.write("warm-runner-host: a spare process failed to start; closing\n");
      for (const s of waiting.splice(0)) s.destroy();
      return shutdown();
    }
    if (spare !== current) continue;
    const socket = waiting.shift()!;
    spare = null;
    current.child.send({ type: "run" }, socket, (error) => {
      // The spare is gone: this connection closes and its client runs the command itself.
      if (error) socket.destroy();
    });
    // The log says which process ran which command: a run's own output names its run.
    process.stderr.write(`${new Date().toISOString()} handed a connection to process ${current.child.pid}\n`);
    // The next spare loads when this run ends, not during it: on a machine with few cores its
    // start-up would take CPU from the run it is meant to speed up. A client that comes sooner
    // starts one at once (above). The linger counts from the last run's end.
    running++;
    current.child.once("exit", () => {
      running--;
      if (!closing && spare === null) spare = startSpare();
      if (running === 0) armIdle();
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
  spare?.child.kill();
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
  void serve();
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
spare = startSpare();
armIdle();
