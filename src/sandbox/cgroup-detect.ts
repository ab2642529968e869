import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SandboxError } from "./sandbox-error.js";

/** Where a step's cgroup can be made, if anywhere. */
export type CgroupSetup =
  | { readonly kind: "v2"; readonly parent: string; readonly memory: boolean; readonly pids: boolean }
  | { readonly kind: "v1"; readonly memory: string | null; readonly pids: string | null }
  | { readonly kind: "none"; readonly why: string };

const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

export interface ProcCgroup {
  readonly controllers: readonly string[];
  readonly path: string;
}

/** `/proc/self/cgroup`: `4:memory:/a/b` (v1) and `0::/a/b` (v2). */
export function parseProcCgroup(text: string): ProcCgroup[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [, , controllers = "", p = ""] = /^(\d+):([^:]*):(.*)$/.exec(line) ?? [];
      return { controllers: controllers === "" ? [] : controllers.split(","), path: p };
    });
}

export interface CgroupMount {
  readonly fstype: "cgroup" | "cgroup2";
  readonly root: string;
  readonly mountpoint: string;
  readonly options: readonly string[];
}

/** The cgroup mounts of `/proc/self/mountinfo` (fields: id parent dev root mountpoint ... - fstype source superopts). */
export function parseCgroupMounts(text: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of text.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const f = left.split(" ");
    const [fstype, , superOptions = ""] = right.split(" ");
    if (fstype !== "cgroup" && fstype !== "cgroup2") continue;
    const unescape = (s: string) => s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    mounts.push({
      fstype,
      root: unescape(f[3] ?? "/"),
      mountpoint: unescape(f[4] ?? ""),
      options: superOptions.split(","),
    });
  }
  return mounts;
}

/** The directory of this process's own v1 cgroup for `controller`, or null. */
export function ownV1Dir(
  controller: string,
  self: readonly ProcCgroup[],
  mounts: readonly CgroupMount[],
): string | null {
  const mine = self.find((c) => c.controllers.includes(controller));
  const mount = mounts.find((m) => m.fstype === "cgroup" && m.options.includes(controller));
  if (!mine || !mount) return null;
  const rel = path.posix.relative(mount.root, mine.path);
  if (rel.startsWith("..")) return null;
  return path.join(mount.mountpoint, rel);
}

/** Whether a child cgroup can be created (and removed) here. */
function canCreateChild(dir: string): boolean {
  const probe = path.join(dir, `sentinel-probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    // Not writable by us: the answer to the probe, not an error.
    return false;
  }
}

/**
 * Removes empty step cgroups a dead worker left behind (their name carries its pid). A pid not
 * in our /proc may be a live worker in another PID namespace sharing the hierarchy, so only
 * cgroups older than any step could be are touched (and rmdir refuses one that holds processes).
 */
function removeStale(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    // Nothing to sweep when the folder cannot be read; creating cgroups there reports the real problem.
    return;
  }
  for (const name of names) {
    const pid = /^sentinel-step-(\d+)-/.exec(name)?.[1];
    if (!pid || Number(pid) === process.pid || existsSync(`/proc/${pid}`)) continue;
    try {
      if (Date.now() - statSync(path.join(dir, name)).mtimeMs < STALE_AFTER_MS) continue;
      rmdirSync(path.join(dir, name));
    } catch {
      // Still holds processes, or not ours to remove: left alone.
    }
  }
}

function delegatedV2(root: string): CgroupSetup {
  const fail = (why: string): never => {
    throw new SandboxError("E_SANDBOX_CGROUP", `SENTINEL_CGROUP_ROOT=${root}: ${why}`);
  };
  let controllers: string[] = [];
  try {
    controllers = readFileSync(path.join(root, "cgroup.controllers"), "utf8").trim().split(/\s+/);
  } catch {
    // `fail` throws the configuration error that names the directory.
    fail("not a cgroup v2 directory (no cgroup.controllers)");
  }
  const wanted = ["memory", "pids"].filter((c) => controllers.includes(c));
  if (wanted.length === 0) fail("neither the memory nor the pids controller is delegated to it");
  const enabled = readFileSync(path.join(root, "cgroup.subtree_control"), "utf8").trim().split(/\s+/);
  const missing = wanted.filter((c) => !enabled.includes(c));
  if (missing.length > 0) {
    try {
      writeFileSync(path.join(root, "cgroup.subtree_control"), missing.map((c) => `+${c}`).join(" "));
    } catch (error) {
      fail(
        `cannot enable ${missing.join(", ")} for its children (${(error as NodeJS.ErrnoException).code}): a cgroup v2 directory that holds processes cannot; move the worker into a child cgroup (e.g. ${root}/worker) first`,
      );
    }
  }
  if (!canCreateChild(root)) fail("Sentinel cannot create a child cgroup in it: delegate it to the worker's user");
  removeStale(root);
  return { kind: "v2", parent: root, memory: wanted.includes("memory"), pids: wanted.includes("pids") };
}

function autoV1(): CgroupSetup {
  let self: ProcCgroup[];
  let mounts: CgroupMount[];
  try {
    self = parseProcCgroup(readFileSync("/proc/self/cgroup", "utf8"));
    mounts = parseCgroupMounts(readFileSync("/proc/self/mountinfo", "utf8"));
  } catch {
    // No /proc (not Linux, or a locked-down container): the answer is that there is no cgroup.
    return { kind: "none", why: "no /proc/self/cgroup" };
  }
  const usable = (c: string) => {
    const dir = ownV1Dir(c, self, mounts);
    return dir && canCreateChild(dir) ? dir : null;
  };
  const memory = usable("memory");
  const pids = usable("pids");
  if (!memory && !pids) {
    const v2 = mounts.some((m) => m.fstype === "cgroup2" && m.mountpoint === "/sys/fs/cgroup");
    return {
      kind: "none",
      why: v2
        ? "cgroup v2: set SENTINEL_CGROUP_ROOT to a delegated cgroup to use it"
        : "no writable memory or pids cgroup",
    };
  }
  for (const dir of [memory, pids]) if (dir) removeStale(dir);
  return { kind: "v1", memory, pids };
}

const cache = new Map<string, CgroupSetup | SandboxError>();

/**
 * Where step cgroups go. `root` a path: that delegated cgroup v2 directory, or an error saying
 * why it cannot be used. `false`: none (rlimits only). Undefined: this process's own cgroup v1
 * memory and pids hierarchies when it may create children there, else none. Never assumed:
 * each answer comes from /proc and from creating a probe cgroup. Cached per root.
 */
export function detectCgroups(root?: string | false): CgroupSetup {
  if (root === false) return { kind: "none", why: "cgroups turned off" };
  const key = root ?? "";
  let found = cache.get(key);
  if (!found) {
    try {
      found = root ? delegatedV2(root) : autoV1();
    } catch (error) {
      found = error instanceof SandboxError ? error : new SandboxError("E_SANDBOX_CGROUP", String(error));
    }
    cache.set(key, found);
  }
  if (found instanceof SandboxError) throw found;
  return found;
}
