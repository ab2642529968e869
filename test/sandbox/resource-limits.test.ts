import { spawnSync } from "node:child_process";
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseCgroupMounts, parseProcCgroup, ownV1Dir, detectCgroups } from "../../src/sandbox/cgroup-detect.js";
import { diskUsage } from "../../src/sandbox/disk-watchdog.js";
import { limitThatEnded, type StepEnd } from "../../src/sandbox/limit-verdict.js";
import { createStepCgroup } from "../../src/sandbox/step-cgroup.js";
import {
  DEFAULT_LIMITS,
  describeLimitEnforcement,
  detectSandbox,
  limitsFromEnv,
  runCommand,
  stepBudget,
  type ResourceLimits,
  type RunCommandOptions,
} from "../../src/sandbox/index.js";

const MiB = 1024 * 1024;
const sandbox = detectSandbox();
if (sandbox === "none") {
  if (process.env.CI === "true") throw new Error("bubblewrap is required in CI (.ci/run installs it)");
  console.warn(
    "\n!!! bubblewrap is not available: the sandboxed limit tests are SKIPPED. Install the bubblewrap package to run them.\n",
  );
}
const enforcement = describeLimitEnforcement(undefined, sandbox);
console.info(`step limits here: ${JSON.stringify(enforcement)}`);
const roots: string[] = [];
const tempDir = (prefix = "sentinel-limits-") => {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  roots.push(d);
  return d;
};
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
const small: ResourceLimits = { memoryBytes: 256 * MiB, pids: 64, tmpBytes: 4 * MiB, diskBytes: 8 * MiB };
const run = (command: string[], extra: Partial<RunCommandOptions> = {}) =>
  runCommand({
    command,
    workdir: tempDir(),
    timeoutMs: 60_000,
    maxOutputBytes: 1 << 20,
    sandbox,
    limits: small,
    diskCheckMs: 500,
    ...extra,
  });

describe("limitsFromEnv", () => {
  it("has documented defaults", () => {
    expect(limitsFromEnv({})).toEqual({ limits: DEFAULT_LIMITS, runDeadlineMs: 1_800_000 });
    expect(DEFAULT_LIMITS).toEqual({
      memoryBytes: 4096 * MiB,
      pids: 1024,
      tmpBytes: 1024 * MiB,
      diskBytes: 8192 * MiB,
    });
  });

  it("reads every variable", () => {
    const env = {
      SENTINEL_STEP_MEMORY_MB: "512",
      SENTINEL_STEP_PIDS: "200",
      SENTINEL_STEP_TMP_MB: "64",
      SENTINEL_STEP_DISK_MB: "1000",
      SENTINEL_RUN_DEADLINE_S: "600",
      SENTINEL_CGROUP_ROOT: "/sys/fs/cgroup/sentinel",
    };
    expect(limitsFromEnv(env)).toEqual({
      limits: { memoryBytes: 512 * MiB, pids: 200, tmpBytes: 64 * MiB, diskBytes: 1000 * MiB },
      runDeadlineMs: 600_000,
      cgroupRoot: "/sys/fs/cgroup/sentinel",
    });
  });

  it.each([
    ["SENTINEL_STEP_MEMORY_MB", "4G"],
    ["SENTINEL_STEP_PIDS", "0"],
    ["SENTINEL_STEP_TMP_MB", "-1"],
    ["SENTINEL_STEP_DISK_MB", "1.5"],
    ["SENTINEL_RUN_DEADLINE_S", "soon"],
    ["SENTINEL_CGROUP_ROOT", "relative/path"],
  ])("names %s when its value %j is wrong", (name, value) => {
    expect(() => limitsFromEnv({ [name]: value })).toThrow(new RegExp(`${name}.*${value.replace(/[.]/g, "\\.")}`));
    expect(() => limitsFromEnv({ [name]: value })).toThrow(expect.objectContaining({ code: "E_SANDBOX_CONFIG" }));
  });
});

describe("the time a step gets", () => {
  it("is its timeout, or what is left before the run's deadline when that is sooner", () => {
    expect(stepBudget(10_000, undefined, 0)).toEqual({ ms: 10_000, limit: "timeout" });
    expect(stepBudget(10_000, 50_000, 0)).toEqual({ ms: 10_000, limit: "timeout" });
    expect(stepBudget(10_000, 4_000, 0)).toEqual({ ms: 4_000, limit: "deadline" });
    expect(stepBudget(10_000, 4_000, 9_000)).toEqual({ ms: 0, limit: "deadline" });
  });
});

describe("which limit ended a step", () => {
  const end = (e: Partial<StepEnd>): StepEnd => ({
    exitCode: 1,
    signal: null,
    killedFor: null,
    oomKills: 0,
    pidsRefused: 0,
    rlimitMemory: false,
    rlimitPids: false,
    output: "",
    ...e,
  });
  it.each<[Partial<StepEnd>, string | null]>([
    [{ exitCode: 0 }, null],
    [{ exitCode: 0, oomKills: 1 }, null],
    [{ killedFor: "disk", exitCode: null, signal: "SIGKILL" }, "disk"],
    [{ killedFor: "deadline", exitCode: null, signal: "SIGKILL" }, "deadline"],
    [{ exitCode: 137, oomKills: 1 }, "memory"],
    [{ exitCode: 2, pidsRefused: 5 }, "pids"],
    [{ exitCode: 153 }, "disk"],
    [{ exitCode: null, signal: "SIGXFSZ" }, "disk"],
    [{ output: "cp: error writing '/tmp/x': No space left on device" }, "tmp"],
    [
      {
        output: "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
        rlimitMemory: true,
      },
      "memory",
    ],
    [
      {
        output: "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
        rlimitMemory: false,
      },
      null,
    ],
    [{ output: "sh: 1: Cannot fork", rlimitPids: true }, "pids"],
    [{ output: "test failed" }, null],
  ])("%j → %s", (e, limit) => {
    expect(limitThatEnded(end(e))).toBe(limit);
  });
});

describe("cgroup detection", () => {
  const mountinfo = [
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
    "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
    "38 30 0:35 /kubepods/pod1 /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids",
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
  ].join("\n");
  const self = parseProcCgroup("8:pids:/kubepods/pod1/ctr\n4:memory:/process_api/abc\n0::/\n");

  it("reads /proc/self/cgroup and the cgroup mounts", () => {
    expect(self).toEqual([
      { controllers: ["pids"], path: "/kubepods/pod1/ctr" },
      { controllers: ["memory"], path: "/process_api/abc" },
      { controllers: [], path: "/" },
    ]);
    expect(parseCgroupMounts(mountinfo).map((m) => [m.fstype, m.root, m.mountpoint])).toEqual([
      ["cgroup", "/", "/sys/fs/cgroup/memory"],
      ["cgroup", "/kubepods/pod1", "/sys/fs/cgroup/pids"],
      ["cgroup2", "/", "/sys/fs/cgroup/unified"],
    ]);
  });

  it("finds this process's own v1 directory under a mount whose root is not the hierarchy's", () => {
    const mounts = parseCgroupMounts(mountinfo);
    expect(ownV1Dir("memory", self, mounts)).toBe("/sys/fs/cgroup/memory/process_api/abc");
    expect(ownV1Dir("pids", self, mounts)).toBe("/sys/fs/cgroup/pids/ctr");
    expect(ownV1Dir("cpu", self, mounts)).toBeNull();
  });

  it("refuses a SENTINEL_CGROUP_ROOT that is no cgroup v2 directory, with a code", () => {
    expect(() => detectCgroups(tempDir())).toThrow(
      expect.objectContaining({
        code: "E_SANDBOX_CGROUP",
        message: expect.stringMatching(/SENTINEL_CGROUP_ROOT=.*cgroup.controllers/),
      }),
    );
  });

  it("writes a v2 step cgroup's limits and reads its events (on a stand-in directory: this kernel has no v2 controllers)", async () => {
    const parent = tempDir();
    const cg = createStepCgroup({ kind: "v2", parent, memory: true, pids: true }, small);
    expect(cg).not.toBeNull();
    const dir = path.dirname((cg as NonNullable<typeof cg>).procsFiles[0] as string);
    expect(readFileSync(path.join(dir, "memory.max"), "utf8")).toBe(String(256 * MiB));
    expect(readFileSync(path.join(dir, "pids.max"), "utf8")).toBe("64");
    writeFileSync(path.join(dir, "memory.events"), "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
    writeFileSync(path.join(dir, "pids.events"), "max 7\n");
    expect(cg?.counters()).toEqual({ oomKills: 1, pidsRefused: 7 });
  });
});

describe("disk usage", () => {
  it("counts what is allocated, hard links once, symlinks not followed", async () => {
    const dir = tempDir();
    const empty = await diskUsage([dir]);
    writeFileSync(path.join(dir, "a"), Buffer.alloc(1 * MiB, 1));
    linkSync(path.join(dir, "a"), path.join(dir, "b"));
    spawnSync("ln", ["-s", "/usr", path.join(dir, "usr")]);
    const used = (await diskUsage([dir, dir])) - empty;
    expect(used).toBeGreaterThanOrEqual(1 * MiB);
    expect(used).toBeLessThan(2 * MiB);
  });
});

describe.skipIf(sandbox === "none")("limits on a real step", () => {
  it.skipIf(enforcement.pids === "none")(
    "ends a fork bomb with limit pids, and the worker is fine afterwards",
    async () => {
      // The timeout is a hang guard only.
      const r = await run(["sh", "-c", "bomb() { bomb | bomb & }; bomb; sleep 60"], { timeoutMs: 30_000 });
      expect(r.limit).toBe("pids");
      expect(spawnSync("true").status).toBe(0);
      const after = await run(["sh", "-c", "echo still fine"]);
      expect(after.output).toContain("still fine");
      expect(after.limit).toBeNull();
    },
  );

  it.skipIf(enforcement.memory === "none")("ends a memory hog with limit memory", async () => {
    const r = await run(["node", "-e", "const k = []; for (;;) k.push(Buffer.alloc(16 << 20, 1));"]);
    expect(r.exitCode).not.toBe(0);
    expect(r.limit).toBe("memory");
  });

  it("ends a memory hog with limit memory under rlimits alone (no cgroup)", async () => {
    const r = await run(["node", "-e", "const k = []; for (;;) k.push(Buffer.alloc(16 << 20, 1));"], {
      cgroupRoot: false,
    });
    expect(r.exitCode).not.toBe(0);
    expect(r.limit).toBe("memory");
  });

  it("keeps /tmp to its size", async () => {
    const r = await run(["sh", "-c", "head -c 8388608 /dev/zero > /tmp/big"]);
    expect(r.exitCode).not.toBe(0);
    expect(r.output).toContain("No space left on device");
    expect(r.limit).toBe("tmp");
  });

  it("keeps the root and /dev of the sandbox read-only (no unbounded scratch space)", async () => {
    const r = await run(["sh", "-c", "touch /planted || touch /dev/planted || echo ok > /dev/shm/x && echo shm-ok"]);
    expect(r.output).toMatch(/Read-only file system[\s\S]*Read-only file system[\s\S]*shm-ok/);
  });

  it("ends a step that writes past its disk budget (many files, each under the file size limit)", async () => {
    const dir = tempDir();
    const r = await run(["sh", "-c", "for i in $(seq 1 40); do head -c 1048576 /dev/urandom > f$i; done; sleep 60"], {
      workdir: dir,
    });
    expect(r.limit).toBe("disk");
    expect(r.timedOut).toBe(false);
  });

  it("stops one file at the disk budget (RLIMIT_FSIZE)", async () => {
    const r = await run(["sh", "-c", "head -c 16777216 /dev/zero > one-big-file"]);
    expect(r.exitCode).not.toBe(0);
    expect(r.limit).toBe("disk");
  });

  it("counts a HOME outside the worktree against the disk budget", async () => {
    const home = path.join(tempDir(), "home");
    const r = await run(
      ["sh", "-c", 'for i in $(seq 1 40); do head -c 1048576 /dev/urandom > "$HOME/f$i"; done; sleep 60'],
      { home },
    );
    expect(r.limit).toBe("disk");
  });

  it("ends a long step at the run's deadline, said apart from the step timeout", async () => {
    const r = await run(["sleep", "30"], { deadline: Date.now() + 1000 });
    expect(r.limit).toBe("deadline");
    expect(r.timedOut).toBe(true);
    const t = await run(["sleep", "30"], { timeoutMs: 1000, deadline: Date.now() + 60_000 });
    expect(t.limit).toBe("timeout");
  });

  it("does not start a step once the deadline has passed", async () => {
    const dir = tempDir();
    const r = await run(["sh", "-c", "echo ran > marker"], { workdir: dir, deadline: Date.now() - 1 });
    expect(r.limit).toBe("deadline");
    expect(() => readFileSync(path.join(dir, "marker"))).toThrow();
  });

  it("leaves no step cgroup behind", async () => {
    if (enforcement.cgroup !== "v1") return;
    await run(["true"]);
    const mine = readFileSync("/proc/self/cgroup", "utf8");
    const memoryPath = /:memory:(.*)$/m.exec(mine)?.[1] ?? "/";
    const left = spawnSync(
      "sh",
      ["-c", `ls /sys/fs/cgroup/memory${memoryPath} | grep -c "^sentinel-step-${process.pid}-" || true`],
      { encoding: "utf8" },
    ).stdout.trim();
    expect(left).toBe("0");
  });
});

describe("a step outside bubblewrap", () => {
  it("still gets its cgroup or rlimits", async () => {
    mkdirSync(tempDir(), { recursive: true });
    const r = await run(["node", "-e", "const k = []; for (;;) k.push(Buffer.alloc(16 << 20, 1));"], {
      sandbox: "none",
    });
    expect(r.limit).toBe("memory");
  });
});
