import path from "node:path";
import { SandboxError } from "./sandbox-error.js";

/** What one step may use. CPU is bounded by the step's timeout and the run's deadline. */
export interface ResourceLimits {
  /** Memory of the whole step (cgroup), or of each process (RLIMIT_DATA) without a cgroup. */
  readonly memoryBytes: number;
  /** Processes and threads of the step (cgroup), or of the worker's user (RLIMIT_NPROC) without one. */
  readonly pids: number;
  /** Size of the step's private /tmp (and /dev/shm) tmpfs. */
  readonly tmpBytes: number;
  /** Bytes the step may add under its writable paths (worktree, caches); also the largest file it may write. */
  readonly diskBytes: number;
}

/** Which limit ended a step. */
export type StepLimit = "memory" | "pids" | "disk" | "tmp" | "deadline" | "timeout";

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: ResourceLimits = {
  memoryBytes: 4096 * MiB,
  pids: 1024,
  tmpBytes: 1024 * MiB,
  diskBytes: 8192 * MiB,
};
export const DEFAULT_RUN_DEADLINE_S = 1800;

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) {
    throw new SandboxError("E_SANDBOX_CONFIG", `${name} must be a positive whole number, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

/**
 * Per-step limits and the run deadline from the environment: SENTINEL_STEP_MEMORY_MB (4096),
 * SENTINEL_STEP_PIDS (1024), SENTINEL_STEP_TMP_MB (1024), SENTINEL_STEP_DISK_MB (8192),
 * SENTINEL_RUN_DEADLINE_S (1800), and SENTINEL_CGROUP_ROOT, a delegated cgroup v2 directory
 * to create each step's cgroup in.
 */
export function limitsFromEnv(env: NodeJS.ProcessEnv): {
  limits: ResourceLimits;
  runDeadlineMs: number;
  cgroupRoot?: string;
} {
  const limits: ResourceLimits = {
    memoryBytes: positiveInteger(env, "SENTINEL_STEP_MEMORY_MB", DEFAULT_LIMITS.memoryBytes / MiB) * MiB,
    pids: positiveInteger(env, "SENTINEL_STEP_PIDS", DEFAULT_LIMITS.pids),
    tmpBytes: positiveInteger(env, "SENTINEL_STEP_TMP_MB", DEFAULT_LIMITS.tmpBytes / MiB) * MiB,
    diskBytes: positiveInteger(env, "SENTINEL_STEP_DISK_MB", DEFAULT_LIMITS.diskBytes / MiB) * MiB,
  };
  const runDeadlineMs = positiveInteger(env, "SENTINEL_RUN_DEADLINE_S", DEFAULT_RUN_DEADLINE_S) * 1000;
  const root = env.SENTINEL_CGROUP_ROOT?.trim();
  if (root && !path.isAbsolute(root))
    throw new SandboxError(
      "E_SANDBOX_CONFIG",
      `SENTINEL_CGROUP_ROOT must be an absolute path (a delegated cgroup v2 directory), got ${JSON.stringify(root)}`,
    );
  return { limits, runDeadlineMs, ...(root ? { cgroupRoot: root } : {}) };
}
