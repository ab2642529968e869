import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { forwarderArgv, SANDBOX_EGRESS_DIR } from "./egress-forwarder.js";
import { SandboxError } from "./sandbox-error.js";

export type SandboxMode = "bubblewrap" | "none";

/** What `bubblewrapArgs` needs to know about one step. */
export interface BubblewrapStep {
  readonly command: readonly string[];
  readonly workdir: string;
  readonly network?: boolean;
  readonly readOnlyPaths?: readonly string[];
  readonly writablePaths?: readonly string[];
  /** HOME when it is outside the worktree (bound writable). */
  readonly home?: string;
  /** Size of the private /tmp and /dev/shm. */
  readonly tmpBytes: number;
  /** The egress proxy's socket directory on the host; required with `network`. */
  readonly egressDir?: string;
  /** What starts the command inside, outermost (after the egress forwarder): run-command's gate. */
  readonly wrap?: (command: readonly string[]) => string[];
}

const BASE = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all", "--die-with-parent"];
let bwrapAvailable: boolean | undefined;
let userNamespaceLock: boolean | undefined;

function probe(extra: string[]): boolean {
  return spawnSync("bwrap", [...BASE, ...extra, "true"], { stdio: "ignore", timeout: 5000 }).status === 0;
}

/** Whether bubblewrap exists and can create namespaces here (it cannot in some containers). */
export function detectSandbox(): SandboxMode {
  if (bwrapAvailable === undefined) bwrapAvailable = probe([]);
  return bwrapAvailable ? "bubblewrap" : "none";
}

/**
 * Both probes at once, without blocking: a command that starts by waiting for something else (the
 * CLI, for its store) runs them meanwhile, and detectSandbox and bubblewrapArgs then read the
 * answers instead of starting bwrap twice on the run's path.
 */
export async function probeSandbox(): Promise<SandboxMode> {
  const probeAsync = (extra: string[]) =>
    new Promise<boolean>((resolve) => {
      const child = spawn("bwrap", [...BASE, ...extra, "true"], { stdio: "ignore", timeout: 5000 });
      // No bwrap to start (ENOENT) is the answer itself: no sandbox here, as the blocking probe says.
      child.on("error", () => resolve(false));
      child.on("close", (code) => resolve(code === 0));
    });
  const [available, lock] = await Promise.all([
    bwrapAvailable ?? probeAsync([]),
    userNamespaceLock ?? probeAsync(["--unshare-user", "--disable-userns"]),
  ]);
  bwrapAvailable ??= available;
  userNamespaceLock ??= lock;
  return bwrapAvailable ? "bubblewrap" : "none";
}

/** Whether this bubblewrap can forbid new user namespaces inside (0.8+, with user namespaces). */
function canLockUserNamespaces(): boolean {
  if (userNamespaceLock === undefined) userNamespaceLock = probe(["--unshare-user", "--disable-userns"]);
  return userNamespaceLock;
}

/**
 * The bubblewrap command line: the system read-only, a private size-bounded /tmp, the worktree
 * (and the given caches and HOME) the only writable places, no capabilities, no new user
 * namespaces, new namespaces for everything. A network step gets its own network namespace too
 * (only `lo`); its one way out is the egress proxy's socket, reached through the forwarder.
 */
export function bubblewrapArgs(s: BubblewrapStep, env: Record<string, string>): string[] {
  const args = ["--die-with-parent", "--new-session", "--unshare-all"];
  if (canLockUserNamespaces()) args.push("--unshare-user", "--disable-userns");
  args.push("--cap-drop", "ALL");
  for (const dir of ["/usr", "/etc", "/opt"]) if (existsSync(dir)) args.push("--ro-bind", dir, dir);
  // Merged-/usr systems link these into /usr; elsewhere they are real directories.
  for (const dir of ["/bin", "/sbin", "/lib", "/lib64", "/lib32"])
    if (existsSync(dir)) args.push("--ro-bind", dir, dir);
  const size = String(s.tmpBytes);
  args.push(
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--size",
    size,
    "--tmpfs",
    "/tmp",
    "--size",
    size,
    "--tmpfs",
    "/dev/shm",
  );
  // Later mounts win, so what must stay visible inside the private /tmp comes after it.
  const nodeDir = path.dirname(process.execPath);
  const extra = [...(nodeDir.startsWith("/usr/") ? [] : [nodeDir]), ...(s.readOnlyPaths ?? [])];
  for (const dir of extra) if (existsSync(dir)) args.push("--ro-bind", dir, dir);
  for (const dir of s.writablePaths ?? []) if (existsSync(dir)) args.push("--bind", dir, dir);
  args.push("--bind", s.workdir, s.workdir);
  if (s.home && existsSync(s.home)) args.push("--bind", s.home, s.home);
  let command = s.command;
  if (s.network) {
    if (!s.egressDir)
      throw new SandboxError(
        "E_SANDBOX_EGRESS_POLICY",
        "a network step needs the egress proxy's directory: start the egress proxy before building a network step's sandbox",
      );
    args.push("--ro-bind", s.egressDir, SANDBOX_EGRESS_DIR);
    command = forwarderArgv(s.command);
  }
  // The root and /dev are tmpfs that bubblewrap made: read-only, or they would be unbounded
  // scratch space in memory.
  args.push("--remount-ro", "/dev", "--remount-ro", "/", "--chdir", s.workdir, "--clearenv");
  for (const [k, v] of Object.entries(env)) args.push("--setenv", k, v);
  args.push("--", ...(s.wrap ? s.wrap(command) : command));
  return args;
}
