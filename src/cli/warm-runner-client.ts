/**
 * The client side of the warm fix runner (warm-runner.ts): bin/sentinel.js loads this module first
 * for `sentinel fix`, and it imports nothing but Node and a few small files, so that a run handed
 * to a runner starts without loading the CLI at all.
 */
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
// Deep imports, not core's index: see warm-runner.ts.
import { isOwnSocket } from "../core/private-socket.js";
import { readFrames, sendFrame } from "../core/socket-frames.js";
import { DEFAULT_CLI_DATA_DIR, expandDataDir } from "./data-dir.js";
import { processIo, type CliIo } from "./io.js";
import {
  mayUseRunner,
  runnerSocketOf,
  type ClientMessage,
  type RunnerMessage,
  type RunRequest,
} from "./warm-runner.js";

/**
 * How long a runner may take to start a run: a spare still loading takes well under a second.
 * Past this (a spare stuck, a host stopped), this process runs the command itself.
 */
const START_TIMEOUT_MS = 15_000;

/**
 * `sentinel fix <args>` through the data folder's runner: its exit code, or null when no runner
 * took it (none listening, help asked for, runners off): the CLI then runs the command itself.
 */
export async function fixViaRunner(args: readonly string[]): Promise<number | null> {
  const io = processIo();
  if (!mayUseRunner(io) || args.includes("--help") || args.includes("-h")) return null;
  const socket = runnerSocketOf(dataDirOf(args));
  return socket && isOwnSocket(socket) ? runInRunner(socket, ["fix", ...args], io) : null;
}

/**
 * The data folder the arguments name, as `--data-dir` reads (store-options.ts). Only which runner
 * to ask depends on it: the run itself reads its arguments in full.
 */
function dataDirOf(args: readonly string[]): string {
  let dir = process.env.SENTINEL_DATA_DIR ?? DEFAULT_CLI_DATA_DIR;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") break;
    if (a === "--data-dir" && i + 1 < args.length) dir = args[++i]!;
    else if (a.startsWith("--data-dir=")) dir = a.slice("--data-dir=".length);
  }
  return expandDataDir(dir);
}

/**
 * Runs `argv` (the arguments after `sentinel`) in the data folder's runner. Resolves to the exit
 * code, or to null when no runner took the run (none listening, or it failed before starting):
 * the caller then runs the command itself.
 */
async function runInRunner(socketPath: string, argv: readonly string[], io: CliIo): Promise<number | null> {
  const socket = await tryConnect(socketPath);
  if (!socket) return null;
  return new Promise<number | null>((resolve) => {
    let started = false;
    let settled = false;
    let received: "SIGINT" | "SIGTERM" | "SIGHUP" | null = null;
    const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
    const settle = (code: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(startTimer);
      for (const s of signals) process.off(s, forward);
      socket.destroy();
      resolve(code);
    };
    const forward = (signal: NodeJS.Signals) => {
      if (signal !== "SIGINT" && signal !== "SIGTERM" && signal !== "SIGHUP") return;
      received = signal;
      // Nothing has run yet: this process ends now, as the CLI would (the runner drops the run
      // when the connection closes).
      if (!started) {
        settle(1);
        return void process.kill(process.pid, signal);
      }
      sendFrame(socket, { type: "signal", signal } satisfies ClientMessage);
    };
    // (The run has not started: closing the connection drops it, and this process runs it.)
    const startTimer = setTimeout(() => settle(null), START_TIMEOUT_MS);
    readFrames(socket, (raw) => {
      const m = raw as RunnerMessage;
      if (m.type === "started") {
        started = true;
        clearTimeout(startTimer);
      } else if (m.type === "out") (m.fd === 1 ? io.stdout : io.stderr).write(Buffer.from(m.data));
      else if (m.type === "exit") settle(m.code);
    });
    // Gone without an exit code: before it started, this process runs the command; after, the run
    // was cut short (by a signal this process forwarded, or a crash), as a killed CLI would be.
    socket.on("close", () => {
      if (settled) return;
      if (!started && received === null) return settle(null);
      settle(1);
      // Stopped by a signal this process forwarded: it ends by that signal too, as the CLI would.
      if (received !== null) return void process.kill(process.pid, received);
      io.stderr.write("sentinel fix: the warm runner ended before the run finished\n");
    });
    // A broken connection is a runner gone: "close" follows and says what that means for the run.
    socket.on("error", () => undefined);
    for (const s of signals) process.on(s, forward);
    sendFrame(socket, {
      type: "run",
      argv: [...argv],
      cwd: process.cwd(),
      env: definedEnv(process.env),
      umask: readUmask(),
      color: io.color,
    } satisfies RunRequest);
  });
}

function tryConnect(socketPath: string): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.once("connect", () => resolve(socket));
    // Nobody listening (ENOENT, ECONNREFUSED: a host that closed): the caller runs the command.
    socket.once("error", () => resolve(null));
  });
}

function definedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/** This process's umask, read without setting it (Linux: /proc); null where it cannot be read. */
function readUmask(): number | null {
  try {
    const m = /^Umask:\s*([0-7]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
    return m ? parseInt(m[1]!, 8) : null;
  } catch {
    // No /proc (not Linux): the runner keeps its own umask, which the first command gave it.
    return null;
  }
}
