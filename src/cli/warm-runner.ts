/**
 * The warm fix runner: `sentinel fix` hands its run to a process that has already loaded the
 * pipeline, as Gradle's daemon or eslint_d do, instead of paying Node's module loading (about
 * 0.2 s of a 1.2 s local fix, measured on pflag) every time.
 *
 * - The first `fix` of a data folder runs in its own process, as before, and then starts the
 *   runner host (warm-runner-host.ts), detached. The host listens on a socket beside the data
 *   folder, this user only, and keeps one spare process (warm-runner-child.ts) with the CLI and
 *   the pipeline imported, and nothing run.
 * - The next `fix` connects and sends its arguments, working folder, umask and whole environment.
 *   The host hands the connection to the spare and starts another. The spare takes the client's
 *   environment and folder, runs the command exactly as the CLI would, sends back what it writes and
 *   its exit code, and exits: one process per run, so no run sees another's state.
 * - The host closes after SENTINEL_FIX_RUNNER_LINGER_S idle seconds (0: no runner).
 *
 * The socket's name carries a stamp of the build, so a rebuilt or upgraded CLI never talks to an
 * older runner. Anything that goes wrong before the spare says it started sends the client back to
 * running the command itself.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, statSync } from "node:fs";
import path from "node:path";
// Deep imports, not core's index: `sentinel fix` loads this module before anything else, to reach
// a runner without loading the CLI (eslint.config.js allows these files this).
import { DIST_DIR, FROM_SOURCE } from "../core/package-paths.js";
import { DEFAULT_FIX_RUNNER_LINGER_S } from "../core/store-linger.js";
import type { CliIo } from "./io.js";

/** What a client sends first: everything the command's result may depend on besides the files. */
export interface RunRequest {
  readonly type: "run";
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly umask: number | null;
  readonly color: boolean;
}

export type ClientMessage = RunRequest | { readonly type: "signal"; readonly signal: "SIGINT" | "SIGTERM" | "SIGHUP" };

export type RunnerMessage =
  | { readonly type: "started" }
  | { readonly type: "out"; readonly fd: 1 | 2; readonly data: Uint8Array }
  | { readonly type: "exit"; readonly code: number };

/** Set in a spare's environment for its run: a runner never hands a run on, nor starts a host. */
export const IN_RUNNER_ENV = "SENTINEL_IN_FIX_RUNNER";

/** The file a spare imports: the build's bundle, else the compiled modules (bin/sentinel.js's choice). */
export function cliEntryFile(): string {
  const bundle = path.join(DIST_DIR, "cli-bundle", "main.mjs");
  try {
    statSync(bundle);
    return bundle;
  } catch (error) {
    // No bundle (esbuild missing at build time): the compiled modules are what `sentinel` runs.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return path.join(DIST_DIR, "cli", "main.js");
    throw error;
  }
}

/**
 * The runner's socket for a data folder and this build, or null when the path is too long for a
 * Unix socket. The stamp is the entry file's size and time, and Node's version.
 */
export function runnerSocketOf(dataDir: string): string | null {
  const entry = cliEntryFile();
  const s = statSync(entry);
  const stamp = fnv1a(`${entry}\0${s.size}\0${s.mtimeMs}\0${process.version}`);
  const socket = `${path.resolve(dataDir)}.fix-${stamp}.sock`;
  return Buffer.byteLength(socket) <= 100 ? socket : null;
}

/** SENTINEL_FIX_RUNNER_LINGER_S in ms (env-schema.ts); 0 when unset under the test runner's sources. */
export function runnerLingerMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SENTINEL_FIX_RUNNER_LINGER_S?.trim();
  if (raw === undefined || raw === "") return DEFAULT_FIX_RUNNER_LINGER_S * 1000;
  // A malformed value is the env check's to report (`sentinel serve`); here it turns the runner off.
  return /^\d{1,7}$/.test(raw) ? Number(raw) * 1000 : 0;
}

/**
 * Whether this command may use a runner: the real process's streams (not a test's in-process
 * CLI), the compiled CLI (a runner loads dist/), lingering on, and not a runner's own run.
 */
export function mayUseRunner(io: CliIo, env: NodeJS.ProcessEnv = process.env): boolean {
  return !FROM_SOURCE && io.stdout === process.stdout && env[IN_RUNNER_ENV] === undefined && runnerLingerMs(env) > 0;
}

/**
 * Starts the data folder's runner host, detached, for the next command (it outlives this one).
 * Its stderr goes to `<folder>.fix-runner.log`.
 */
export function startRunnerHost(dataDir: string, socketPath: string, lingerMs: number): void {
  mkdirSync(path.dirname(path.resolve(dataDir)), { recursive: true, mode: 0o700 });
  const log = openSync(`${path.resolve(dataDir)}.fix-runner.log`, "a", 0o600);
  try {
    spawn(
      process.execPath,
      [path.join(DIST_DIR, "cli", "warm-runner-host.js"), "--socket", socketPath, "--linger-ms", String(lingerMs)],
      { detached: true, stdio: ["ignore", "ignore", log] },
    ).unref();
  } finally {
    closeSync(log);
  }
}

/** A short stable hash for a file name. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}
