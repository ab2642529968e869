import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import type { ResourceLimits } from "./resource-limits.js";

const SYSTEM_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/** The absolute path of a system binary (never the repository's or the workspace's), or null. */
export function systemBinary(name: string): string | null {
  for (const dir of SYSTEM_DIRS) if (existsSync(path.join(dir, name))) return path.join(dir, name);
  return null;
}

/** Tasks (threads) whose real uid is `uid`: what RLIMIT_NPROC counts them against. */
export function tasksOfUser(uid: number): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) === uid)
        total += Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1);
    } catch {
      // Exited while we looked.
    }
  }
  return total;
}

export interface Rlimits {
  /** `prlimit ... --` to put in front of the command; empty without util-linux prlimit. */
  readonly argv: readonly string[];
  readonly memory: boolean;
  readonly pids: boolean;
  readonly fileSize: boolean;
}

/**
 * rlimits for what no cgroup bounds. Always RLIMIT_CORE=0 and RLIMIT_FSIZE=disk budget.
 * RLIMIT_DATA (not RLIMIT_AS: V8 reserves far more address space than it uses, and WebAssembly
 * fails under a 4 GiB RLIMIT_AS) when no memory cgroup. RLIMIT_NPROC when no pids cgroup: it
 * counts every task of the worker's user, so it is set to what that user runs now plus the
 * budget; the kernel does not apply it to root, so for root it bounds nothing and is left out.
 */
export function stepRlimits(
  limits: ResourceLimits,
  cgroup: { memory: boolean; pids: boolean } | null,
  uid = process.getuid?.() ?? 0,
): Rlimits {
  const prlimit = systemBinary("prlimit");
  if (!prlimit) return { argv: [], memory: false, pids: false, fileSize: false };
  const pair = (n: number) => `${n}:${n}`;
  const argv = [prlimit, `--core=${pair(0)}`, `--fsize=${pair(limits.diskBytes)}`];
  const memory = !cgroup?.memory;
  if (memory) argv.push(`--data=${pair(limits.memoryBytes)}`);
  const pids = !cgroup?.pids && uid !== 0;
  if (pids) argv.push(`--nproc=${pair(limits.pids + tasksOfUser(uid))}`);
  argv.push("--");
  return { argv, memory, pids, fileSize: true };
}
