import type { SandboxMode } from "./bubblewrap-args.js";
import { detectCgroups } from "./cgroup-detect.js";
import { systemBinary } from "./rlimits.js";

/** How each step limit is enforced on this worker, for the startup log and the docs' table. */
export interface LimitEnforcement {
  readonly cgroup: "v2" | "v1" | "none";
  readonly memory: "cgroup" | "rlimit" | "none";
  readonly pids: "cgroup" | "rlimit" | "none";
  readonly disk: "watchdog+rlimit" | "watchdog";
  readonly tmp: "tmpfs" | "none";
  /** Why there is no cgroup, when there is none. */
  readonly why?: string;
}

/**
 * What runCommand will enforce with this cgroup root and sandbox. Throws (E_SANDBOX_CGROUP)
 * when a configured SENTINEL_CGROUP_ROOT cannot be used: call it at startup.
 */
export function describeLimitEnforcement(
  cgroupRoot: string | false | undefined,
  sandbox: SandboxMode,
  uid = process.getuid?.() ?? 0,
): LimitEnforcement {
  const setup = detectCgroups(cgroupRoot);
  const prlimit = systemBinary("prlimit") !== null;
  const cgMemory = setup.kind === "v2" ? setup.memory : setup.kind === "v1" ? setup.memory !== null : false;
  const cgPids = setup.kind === "v2" ? setup.pids : setup.kind === "v1" ? setup.pids !== null : false;
  return {
    cgroup: setup.kind,
    memory: cgMemory ? "cgroup" : prlimit ? "rlimit" : "none",
    // The kernel does not apply RLIMIT_NPROC to root.
    pids: cgPids ? "cgroup" : prlimit && uid !== 0 ? "rlimit" : "none",
    disk: prlimit ? "watchdog+rlimit" : "watchdog",
    tmp: sandbox === "bubblewrap" ? "tmpfs" : "none",
    ...(setup.kind === "none" ? { why: setup.why } : {}),
  };
}
