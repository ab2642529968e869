import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Writable } from "node:stream";
import { bubblewrapArgs, type SandboxMode } from "./bubblewrap-args.js";
import { detectCgroups } from "./cgroup-detect.js";
import { diskUsage, startDiskWatchdog } from "./disk-watchdog.js";
import { proxyEnv, PROXY_SOCKET_NAME } from "./egress-forwarder.js";
import type { EgressPolicy } from "./egress-policy.js";
import { startEgressProxy, type EgressNet, type EgressProxy, type EgressRefusal } from "./egress-proxy.js";
import { fixerEnv } from "./fixer-env.js";
import { FORK_REFUSED, limitThatEnded } from "./limit-verdict.js";
import { openOutputPipes, spawnWithOutputPipes, type OutputPipe } from "./output-pipe.js";
import { DEFAULT_LIMITS, type ResourceLimits, type StepLimit } from "./resource-limits.js";
import { stepRlimits, systemBinary } from "./rlimits.js";
import { SandboxError } from "./sandbox-error.js";
import { createStepCgroup, type StepCgroup } from "./step-cgroup.js";

export interface RunCommandOptions {
  /** argv; never run through a shell unless the caller passes one explicitly. */
  readonly command: readonly string[];
  /** The only directory the command may write (the worktree). */
  readonly workdir: string;
  readonly timeoutMs: number;
  /** Output beyond this many bytes is not kept (the process still runs to completion or timeout). */
  readonly maxOutputBytes: number;
  /**
   * Network access: only dependency installs get it, with install scripts off. It is a network
   * namespace of the step's own whose only exit is the egress proxy; it needs `egress` and a
   * bubblewrap sandbox.
   */
  readonly network?: boolean;
  /** Which hosts a network step may reach (see egressFromEnv). */
  readonly egress?: EgressPolicy;
  /** Each request the egress proxy refuses, for the run's audit ledger. */
  readonly onEgressRefused?: (r: EgressRefusal) => void;
  /** How the egress proxy resolves and connects; tests only. */
  readonly egressNet?: EgressNet;
  /** Extra environment the recipe asks for; checked against the same deny rules as everything else. */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra read-only paths (toolchains outside /usr, e.g. ~/.cargo). */
  readonly readOnlyPaths?: readonly string[];
  /** Extra writable paths (a repository's own dependency cache), besides the worktree. */
  readonly writablePaths?: readonly string[];
  /**
   * The fixer's HOME: a directory outside the worktree that lives as long as the run (created if
   * missing, writable, its growth counted against the disk budget). Without it HOME is
   * `<workdir>/.sentinel-home`, which a repository can ship files in (a ~/.gitconfig, a
   * ~/.yarnrc.yml with plugins): pass one.
   */
  readonly home?: string;
  readonly sandbox: SandboxMode;
  /** Per-step limits (DEFAULT_LIMITS when absent). */
  readonly limits?: ResourceLimits;
  /** The run's deadline (epoch ms): the step gets min(timeoutMs, deadline - now). */
  readonly deadline?: number;
  /** Delegated cgroup v2 directory; false for no cgroups (rlimits only); absent to detect (cgroup v1). */
  readonly cgroupRoot?: string | false;
  /** How often the disk watchdog measures the writable paths (default 3 s). */
  readonly diskCheckMs?: number;
  /** Each complete line of output as it arrives (stdout and stderr interleaved). */
  readonly onLine?: (line: string) => void;
  /**
   * Called once the command's process exists, before any of its output is read: work the caller
   * needs only for the output (a classifier's set-up) is done then, while the command runs.
   */
  readonly onSpawn?: () => void;
}

export interface RunCommandResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The step timeout or the run deadline ended it (`limit` says which). */
  readonly timedOut: boolean;
  readonly output: string;
  readonly outputTruncated: boolean;
  readonly durationMs: number;
  readonly sandboxed: boolean;
  /** Which limit ended the step, or null. */
  readonly limit: StepLimit | null;
  /** Requests the egress proxy refused (each also went to onEgressRefused). */
  readonly egressRefusals: number;
}

/** The time a step gets and what ends it when it runs out. */
export function stepBudget(
  timeoutMs: number,
  deadline: number | undefined,
  now: number,
): { ms: number; limit: "timeout" | "deadline" } {
  if (deadline === undefined || deadline - now >= timeoutMs) return { ms: timeoutMs, limit: "timeout" };
  return { ms: Math.max(0, deadline - now), limit: "deadline" };
}

/**
 * The step's command, held until fd 3 says go: it waits inside the sandbox, so that bubblewrap
 * builds its namespaces while the disk under the writable paths is measured (du, 10-20 ms), and
 * nothing the command writes is counted as the step's starting point. fd 3 is closed for it.
 */
function gated(command: readonly string[]): string[] {
  return [systemBinary("sh") ?? "/bin/sh", "-c", 'read -r _ <&3; exec "$@" 3<&-', "sh", ...command];
}

/** The argv that puts the step's first process into its cgroup(s) before it can fork, then execs the rest. */
function joinCgroupArgv(procsFiles: readonly string[]): string[] {
  if (procsFiles.length === 0) return [];
  const script =
    'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || { echo "sentinel: cannot join cgroup $1" >&2; exit 125; }; shift; n=$((n-1)); done; exec "$@"';
  return [systemBinary("sh") ?? "/bin/sh", "-c", script, "sh", String(procsFiles.length), ...procsFiles];
}

async function startProxyFor(o: RunCommandOptions, policy: EgressPolicy): Promise<{ proxy: EgressProxy; dir: string }> {
  // Short: a unix socket path must fit in 108 bytes.
  const base = tmpdir().length < 60 ? tmpdir() : "/tmp";
  const dir = mkdtempSync(path.join(base, "sntl-egress-"));
  try {
    const proxy = await startEgressProxy({
      policy,
      socketPath: path.join(dir, PROXY_SOCKET_NAME),
      ...(o.onEgressRefused ? { onRefused: o.onEgressRefused } : {}),
      ...(o.egressNet ? { net: o.egressNet } : {}),
    });
    return { proxy, dir };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Runs a fixer or verify command as hostile code: scrubbed environment, its own cgroup or
 * rlimits, a disk budget, time limit and run deadline, output cap, the whole process tree killed
 * at the end, and bubblewrap when `sandbox` says so. A network step runs only under bubblewrap,
 * behind the egress proxy.
 */
export async function runCommand(o: RunCommandOptions): Promise<RunCommandResult> {
  if (o.command.length === 0) throw new SandboxError("E_SANDBOX_EMPTY_COMMAND", "empty command");
  const sandboxed = o.sandbox === "bubblewrap";
  if (o.network && !sandboxed) {
    throw new SandboxError(
      "E_SANDBOX_NETWORK_UNISOLATED",
      "a step that needs the network runs only in the bubblewrap sandbox (its own network namespace behind the egress proxy); without bubblewrap it would share the worker's network, so it is refused. Install bubblewrap.",
    );
  }
  if (o.network && !o.egress)
    throw new SandboxError(
      "E_SANDBOX_EGRESS_POLICY",
      "a network step needs an egress policy (egressFromEnv): which registries it may reach",
    );
  const limits = o.limits ?? DEFAULT_LIMITS;
  const started = Date.now();
  const budget = stepBudget(o.timeoutMs, o.deadline, started);
  const base = { signal: null, output: "", outputTruncated: false, sandboxed, egressRefusals: 0 } as const;
  if (budget.ms <= 0) return { ...base, exitCode: null, timedOut: true, durationMs: 0, limit: "deadline" };
  if (o.home) mkdirSync(o.home, { recursive: true });
  const env = { ...fixerEnv(o.workdir, o.env, process.env, o.home), ...(o.network ? proxyEnv() : {}) };
  const writable = [o.workdir, ...(o.writablePaths ?? []), ...(o.home ? [o.home] : [])];

  const cgroup: StepCgroup | null = createStepCgroup(detectCgroups(o.cgroupRoot), limits);
  let egress: { proxy: EgressProxy; dir: string } | null = null;
  try {
    egress = o.network ? await startProxyFor(o, o.egress as EgressPolicy) : null;
    const rlimits = stepRlimits(limits, cgroup);
    const inner = sandboxed
      ? [
          "bwrap",
          ...bubblewrapArgs(
            { ...o, wrap: gated, tmpBytes: limits.tmpBytes, ...(egress ? { egressDir: egress.dir } : {}) },
            env,
          ),
        ]
      : gated(o.command);
    const argv = [...joinCgroupArgv(cgroup?.procsFiles ?? []), ...rlimits.argv, ...inner];
    // Measured while the pipes are made and the sandbox starts; the command waits for it (gated).
    const baseline = diskUsage(writable);
    const pipes = await openOutputPipes(["stdout", "stderr"]);
    const ended = await spawnAndWatch(o, argv, env, budget, {
      cgroup,
      baseline,
      writable,
      limits,
      rlimitPids: rlimits.pids,
      pipes: pipes as [OutputPipe, OutputPipe],
    });
    const counters = cgroup?.counters() ?? { oomKills: 0, pidsRefused: 0 };
    const limit = limitThatEnded({ ...ended, ...counters, rlimitMemory: rlimits.memory, rlimitPids: rlimits.pids });
    const { killedFor: _, ...result } = ended;
    return {
      ...result,
      sandboxed,
      durationMs: Date.now() - started,
      limit,
      egressRefusals: egress?.proxy.refusals() ?? 0,
    };
  } finally {
    await cgroup?.destroy();
    if (egress) {
      await egress.proxy.close();
      rmSync(egress.dir, { recursive: true, force: true });
    }
  }
}

interface Ended {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly killedFor: StepLimit | null;
  readonly output: string;
  readonly outputTruncated: boolean;
}

/** The command starts once the disk's starting point is known (see gated). */
function openOnceMeasured(gate: Writable, baseline: Promise<number>): void {
  // A child gone before reading it makes the write fail: its exit is what the step reports.
  gate.on("error", () => undefined);
  void baseline.finally(() => gate.end("go\n"));
}

function spawnAndWatch(
  o: RunCommandOptions,
  argv: readonly string[],
  env: Record<string, string>,
  budget: { ms: number; limit: "timeout" | "deadline" },
  watch: {
    cgroup: StepCgroup | null;
    baseline: Promise<number>;
    writable: readonly string[];
    limits: ResourceLimits;
    rlimitPids: boolean;
    pipes: readonly [OutputPipe, OutputPipe];
  },
): Promise<Ended> {
  const [file, ...args] = argv;
  return new Promise((resolve, reject) => {
    // Its own process group, so a kill takes everything it started, not just the first process.
    const { child, stdout, stderr, gate } = spawnWithOutputPipes(
      file as string,
      args,
      {
        cwd: o.workdir,
        env,
        detached: true,
      },
      watch.pipes,
    );
    openOnceMeasured(gate, watch.baseline);
    o.onSpawn?.();
    const chunks: Buffer[] = [];
    let kept = 0;
    let truncated = false;
    // Each stream has its own unfinished line, so stdout and stderr lines never mix.
    const partial = { out: "", err: "" };
    let killedFor: StepLimit | null = null;
    const killTree = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // No process group (already gone, or never made one): kill the child itself.
        child.kill("SIGKILL");
      }
    };
    const end = (why: StepLimit) => {
      killedFor ??= why;
      killTree();
    };
    const take = (stream: "out" | "err") => (data: Buffer) => {
      if (watch.rlimitPids && killedFor === null && FORK_REFUSED.test(data.toString("latin1"))) end("pids");
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
    stdout.on("data", take("out"));
    stderr.on("data", take("err"));
    const timer = setTimeout(() => end(budget.limit), budget.ms);
    // A step that hit its pids limit is a fork bomb or broken: end it now rather than let it spin.
    const pidsWatch = watch.cgroup?.pids
      ? setInterval(() => (watch.cgroup as StepCgroup).counters().pidsRefused > 0 && end("pids"), 500)
      : null;
    const disk = startDiskWatchdog({
      roots: watch.writable,
      baseline: watch.baseline,
      budgetBytes: watch.limits.diskBytes,
      intervalMs: o.diskCheckMs ?? 3000,
      onExceeded: () => end("disk"),
    });
    const stop = () => {
      clearTimeout(timer);
      if (pidsWatch) clearInterval(pidsWatch);
      disk.stop();
    };
    // Done when the command has exited and everything holding its output has let go, as
    // `close` would be with Node's own stdio pipes.
    let exited: { exitCode: number | null; signal: NodeJS.Signals | null } | null = null;
    let open = 2;
    const readerEnded = () => {
      open -= 1;
      finish();
    };
    stdout.on("close", readerEnded);
    stderr.on("close", readerEnded);
    child.on("error", (error) => {
      stop();
      stdout.destroy();
      stderr.destroy();
      reject(error);
    });
    child.on("exit", (exitCode, signal) => {
      exited = { exitCode, signal };
      finish();
    });
    function finish() {
      if (!exited || open > 0) return;
      const { exitCode, signal } = exited;
      stop();
      // Whatever the command left behind in its group goes too.
      killTree();
      for (const rest of [partial.out, partial.err]) if (o.onLine && rest) o.onLine(rest);
      const timedOut = killedFor === "timeout" || killedFor === "deadline";
      resolve({
        exitCode,
        signal,
        timedOut,
        killedFor,
        output: Buffer.concat(chunks).toString("utf8"),
        outputTruncated: truncated,
      });
    }
  });
}
