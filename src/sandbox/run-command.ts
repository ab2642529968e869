import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

export type SandboxMode = "bubblewrap" | "none";

export interface RunCommandOptions {
  /** argv; never run through a shell unless the caller passes one explicitly. */
  readonly command: readonly string[];
  /** The only directory the command may write (the worktree). */
  readonly workdir: string;
  readonly timeoutMs: number;
  /** Output beyond this many bytes is not kept (the process still runs to completion or timeout). */
  readonly maxOutputBytes: number;
  /** Network access: only dependency installs get it, with install scripts off. */
  readonly network?: boolean;
  /** Extra environment the recipe asks for; checked against the same deny rules as everything else. */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra read-only paths (toolchains outside /usr, e.g. ~/.cargo). */
  readonly readOnlyPaths?: readonly string[];
  /** Extra writable paths (a repository's own dependency cache), besides the worktree. */
  readonly writablePaths?: readonly string[];
  readonly sandbox: SandboxMode;
  /** Each complete line of output as it arrives (stdout and stderr interleaved). */
  readonly onLine?: (line: string) => void;
}

export interface RunCommandResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly output: string;
  readonly outputTruncated: boolean;
  readonly durationMs: number;
  readonly sandboxed: boolean;
}

/** Variables a fixer may see. Everything else (tokens, DATABASE_URL, REDIS_URL, keys) is dropped. */
const ALLOWED_ENV = ["LANG", "LC_ALL", "TZ"];
/** Names that must never reach a fixer even when a recipe asks for them. */
const DENIED_ENV = /TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE|KEY|CREDENTIAL|AUTH|DATABASE_URL|REDIS_URL|_URL$|^GIT_|^GH_|^GITHUB_|^GITLAB_|^NPM_CONFIG_(?!CACHE$)|^AWS_|^GOOGLE_|^AZURE_/i;
const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The environment a fixer runs with: an allowlist, HOME inside the workspace, CI=1. */
export function fixerEnv(workdir: string, extra: Readonly<Record<string, string>> = {}, parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {
    PATH: `${path.dirname(process.execPath)}:${SYSTEM_PATH}`,
    // Inside the worktree (the one writable place); commits leave it out (workspace FIXER_HOME).
    HOME: path.join(workdir, ".sentinel-home"),
    CI: "1",
    TERM: "dumb",
    npm_config_ignore_scripts: "true",
    npm_config_update_notifier: "false",
  };
  for (const name of ALLOWED_ENV) if (parent[name] !== undefined) env[name] = parent[name] as string;
  for (const [name, value] of Object.entries(extra)) {
    if (DENIED_ENV.test(name)) throw new Error(`a fixer may not be given ${name}: secrets never enter a fixer's environment`);
    env[name] = value;
  }
  return env;
}

let bwrapAvailable: boolean | undefined;

/** Whether bubblewrap exists and can create namespaces here (it cannot in some containers). */
export function detectSandbox(): SandboxMode {
  if (bwrapAvailable === undefined) {
    const probe = spawnSync("bwrap", ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all", "--die-with-parent", "true"], { stdio: "ignore", timeout: 5000 });
    bwrapAvailable = probe.status === 0;
  }
  return bwrapAvailable ? "bubblewrap" : "none";
}

/**
 * The bubblewrap command line: the system read-only, a private /tmp, the worktree the only
 * writable place, new namespaces (no network unless asked, its own pids so /proc shows no
 * Sentinel process), and nothing of the caller's environment.
 */
export function bubblewrapArgs(o: RunCommandOptions, env: Record<string, string>): string[] {
  const args = ["--die-with-parent", "--new-session", "--unshare-all", ...(o.network ? ["--share-net"] : [])];
  for (const dir of ["/usr", "/etc", "/opt"]) if (existsSync(dir)) args.push("--ro-bind", dir, dir);
  // Merged-/usr systems link these into /usr; elsewhere they are real directories.
  for (const dir of ["/bin", "/sbin", "/lib", "/lib64", "/lib32"]) if (existsSync(dir)) args.push("--ro-bind", dir, dir);
  args.push("--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp");
  // Later mounts win, so what must stay visible inside the private /tmp comes after it.
  const nodeDir = path.dirname(process.execPath);
  const extra = [...(nodeDir.startsWith("/usr/") ? [] : [nodeDir]), ...(o.readOnlyPaths ?? [])];
  for (const dir of extra) if (existsSync(dir)) args.push("--ro-bind", dir, dir);
  for (const dir of o.writablePaths ?? []) if (existsSync(dir)) args.push("--bind", dir, dir);
  args.push("--bind", o.workdir, o.workdir, "--chdir", o.workdir, "--clearenv");
  for (const [k, v] of Object.entries(env)) args.push("--setenv", k, v);
  args.push("--", ...o.command);
  return args;
}

/**
 * Runs a fixer or verify command as hostile code: scrubbed environment, time limit, output cap,
 * the whole process tree killed on timeout, and bubblewrap when `sandbox` says so.
 */
export function runCommand(o: RunCommandOptions): Promise<RunCommandResult> {
  if (o.command.length === 0) throw new Error("empty command");
  const env = fixerEnv(o.workdir, o.env);
  const sandboxed = o.sandbox === "bubblewrap";
  const [file, ...args] = sandboxed ? ["bwrap", ...bubblewrapArgs(o, env)] : o.command;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout kills everything it started, not just the first process.
    const child = spawn(file as string, args, { cwd: o.workdir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let kept = 0;
    let truncated = false;
    // Each stream has its own unfinished line, so stdout and stderr lines never mix.
    const partial = { out: "", err: "" };
    let timedOut = false;
    const take = (stream: "out" | "err") => (data: Buffer) => {
      if (kept < o.maxOutputBytes) {
        const room = o.maxOutputBytes - kept;
        chunks.push(data.subarray(0, room));
        kept += Math.min(room, data.length);
        if (data.length > room) truncated = true;
      } else truncated = true;
      if (o.onLine) {
        const text = partial[stream] + data.toString("utf8");
        const lines = text.split("\n");
        partial[stream] = (lines.pop() ?? "").slice(-64 * 1024);
        for (const line of lines) o.onLine(line);
      }
    };
    child.stdout.on("data", take("out"));
    child.stderr.on("data", take("err"));
    const killTree = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killTree();
    }, o.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      // Whatever the command left behind in its group goes too.
      killTree();
      for (const rest of [partial.out, partial.err]) if (o.onLine && rest) o.onLine(rest);
      resolve({ exitCode, signal, timedOut, output: Buffer.concat(chunks).toString("utf8"), outputTruncated: truncated, durationMs: Date.now() - started, sandboxed });
    });
  });
}
