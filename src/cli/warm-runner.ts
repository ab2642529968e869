/**
 * The warm fix runner: `sentinel fix` hands its run to a process that has already loaded the
 * pipeline, as Gradle's daemon or eslint_d do, instead of paying Node's module loading (about
 * 0.2 s of a 1.2 s local fix, measured on pflag) every time.
 *
 * - The first `fix` of a data folder runs in its own process, as before, and then starts the
 *   runner host (warm-runner-host.ts), detached. The host listens on a socket beside the data
 *   folder, this user only, and keeps two spare processes (warm-runner-child.ts) with the CLI and
 *   the pipeline imported, and nothing run.
 * - The next `fix` connects and sends its arguments, working folder, umask and whole environment.
 *   The host hands the connection to a spare, and loads its replacement when that run ends. The
 *   spare takes the client's environment and folder, runs the command exactly as the CLI would,
 *   sends back what it writes and its exit code, and exits: one process per run, so no run sees
 *   another's state.
 * - The host closes SENTINEL_FIX_RUNNER_LINGER_S after its last run ended (0: no runner).
 *
 * The socket's name carries a stamp of the build and of what a process fixes at start-up
 * (runnerSocketOf), so a rebuilt CLI, or one started otherwise, never talks to another's runner.
 * Anything that goes wrong before the spare says it started sends the client back to running the
 * command itself.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, readlinkSync, statSync } from "node:fs";
import path from "node:path";
// Deep imports, not core's index: `sentinel fix` loads this module before anything else, to reach
// a runner without loading the CLI (eslint.config.js allows these files this).
import { DIST_DIR, FROM_SOURCE } from "../core/package-paths.js";
import { isPrivateFolder } from "../core/private-socket.js";
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

/** The file a spare imports: the build's bundle (a runner serves only a build that has one). */
export function cliEntryFile(): string {
  return path.join(DIST_DIR, "cli-bundle", "main.mjs");
}

/** Written by the build beside the bundle (scripts/write-cli-bundle.mjs): a hash of its content. */
const BUILD_ID_FILE = path.join(DIST_DIR, "cli-bundle", "build-id");

/**
 * What a Node process takes from its environment once, at start-up, and a spare therefore keeps
 * from the command that started its host: a command that differs in any of these gets a runner
 * of its own (another socket), never one started otherwise.
 */
const START_UP_ENV = [
  "NODE_OPTIONS",
  "NODE_EXTRA_CA_CERTS",
  "NODE_ICU_DATA",
  "NODE_PATH",
  "UV_THREADPOOL_SIZE",
  "OPENSSL_CONF",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "LANG",
  "LC_ALL",
  "LC_CTYPE",
  "LC_MESSAGES",
  "TZ",
];

/**
 * The runner's socket for a data folder, this build and this process's start-up conditions, or
 * null when there can be no runner: no build id (no bundle), or a path too long for a Unix socket.
 * The name's stamp covers the build, Node's version, the start-up environment above, and what a
 * child inherits from its parent rather than its environment: user and groups, resource limits,
 * cgroup and mount namespace.
 */
export function runnerSocketOf(dataDir: string): string | null {
  let build: string;
  try {
    build = readFileSync(BUILD_ID_FILE, "utf8").trim();
  } catch (error) {
    // No bundle, so no build id: every `fix` runs in its own process.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const inherited = [
    build,
    process.version,
    process.execPath,
    ...START_UP_ENV.map((k) => `${k}=${process.env[k] ?? ""}`),
    `${process.getuid?.()}:${process.getgid?.()}:${process.getgroups?.().join(",")}`,
    readOr("/proc/self/limits"),
    readOr("/proc/self/cgroup"),
    linkOr("/proc/self/ns/mnt"),
  ];
  const socket = `${path.resolve(dataDir)}.fix-${fnv1a(inherited.join("\0"))}.sock`;
  return Buffer.byteLength(socket) <= 100 ? socket : null;
}

function readOr(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    // Not Linux, or /proc not mounted: the stamp goes without it.
    return "";
  }
}

function linkOr(file: string): string {
  try {
    return readlinkSync(file);
  } catch {
    // As readOr.
    return "";
  }
}

/** SENTINEL_FIX_RUNNER_LINGER_S in ms (env-schema.ts); 0 when unset under the test runner's sources. */
export function runnerLingerMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SENTINEL_FIX_RUNNER_LINGER_S?.trim();
  if (raw === undefined || raw === "") return DEFAULT_FIX_RUNNER_LINGER_S * 1000;
  // A malformed value is the env check's to report (`sentinel serve`); here it turns the runner off.
  return /^\d{1,7}$/.test(raw) ? Number(raw) * 1000 : 0;
}

/**
 * Whether this command may use a runner: Linux (a run takes the client's umask from /proc, its
 * sandbox is bubblewrap's), the real process's streams (not a test's in-process CLI), the compiled
 * CLI (a runner loads dist/), lingering on, and not a runner's own run.
 */
export function mayUseRunner(io: CliIo, env: NodeJS.ProcessEnv = process.env): boolean {
  return (
    process.platform === "linux" &&
    !FROM_SOURCE &&
    io.stdout === process.stdout &&
    env[IN_RUNNER_ENV] === undefined &&
    runnerLingerMs(env) > 0
  );
}

/**
 * Starts the data folder's runner host, detached, for the next command (it outlives this one).
 * Its stderr goes to `<folder>.fix-runner.log` (started afresh past 1 MB). Never fails the command
 * that calls it: without a host the next command simply runs in its own process.
 */
export function startRunnerHost(dataDir: string, socketPath: string, lingerMs: number): void {
  try {
    mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
    if (!isPrivateFolder(path.dirname(socketPath))) return;
    const logFile = `${path.resolve(dataDir)}.fix-runner.log`;
    const log = openSync(logFile, sizeOr(logFile) > 1 << 20 ? "w" : "a", 0o600);
    try {
      const host = spawn(
        process.execPath,
        [path.join(DIST_DIR, "cli", "warm-runner-host.js"), "--socket", socketPath, "--linger-ms", String(lingerMs)],
        { detached: true, stdio: ["ignore", "ignore", log] },
      );
      // A host that cannot start costs the next command its warm start, nothing more.
      host.on("error", () => undefined);
      host.unref();
    } finally {
      closeSync(log);
    }
  } catch {
    // As above: the folder or the log could not be made (a read-only home, say); no runner then.
  }
}

function sizeOr(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    // No log yet.
    return 0;
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
