import type { StepLimit } from "./resource-limits.js";

export interface StepEnd {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** What the runner itself killed the step for, if it did. */
  readonly killedFor: StepLimit | null;
  /** From the step's cgroup; 0 without one. */
  readonly oomKills: number;
  readonly pidsRefused: number;
  /** Which limits only rlimits enforced (then the output is the only witness). */
  readonly rlimitMemory: boolean;
  readonly rlimitPids: boolean;
  readonly output: string;
}

// 153 = 128 + SIGXFSZ, as bubblewrap reports a child killed by it.
const FILE_TOO_BIG = /File size limit exceeded|File too large|\bEFBIG\b/;
const NO_SPACE = /No space left on device|\bENOSPC\b/;
const OUT_OF_MEMORY =
  /JavaScript heap out of memory|Array buffer allocation failed|Cannot allocate memory|\bENOMEM\b|MemoryError|memory allocation of \d+ bytes failed|fatal error: runtime: out of memory|Out of memory/;
const NO_FORK =
  /fork: retry|Cannot fork|fork failed|\bspawn\b.*\bEAGAIN\b|Resource temporarily unavailable|failed to create new OS thread|pthread_create/;
/**
 * What a shell or node prints when a fork is refused: under RLIMIT_NPROC alone, the runner
 * ends the step at the first one (a fork bomb would otherwise spin until its timeout).
 */
export const FORK_REFUSED =
  /fork: retry: Resource temporarily unavailable|fork: Resource temporarily unavailable|Cannot fork|\bspawn \S+ EAGAIN\b/;

/**
 * Which limit ended a step, or null when none did (or it succeeded anyway). What the runner
 * killed it for comes first, then the cgroup's own counters, then (best effort, for what only
 * rlimits and the tmpfs bound) the messages programs print when the kernel says no.
 */
export function limitThatEnded(e: StepEnd): StepLimit | null {
  if (e.killedFor) return e.killedFor;
  if (e.exitCode === 0 && e.signal === null) return null;
  if (e.oomKills > 0) return "memory";
  if (e.pidsRefused > 0) return "pids";
  const tail = e.output.slice(-64 * 1024);
  if (e.signal === "SIGXFSZ" || e.exitCode === 153 || FILE_TOO_BIG.test(tail)) return "disk";
  if (NO_SPACE.test(tail)) return "tmp";
  if (e.rlimitMemory && OUT_OF_MEMORY.test(tail)) return "memory";
  if (e.rlimitPids && NO_FORK.test(tail)) return "pids";
  return null;
}
