import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { CgroupSetup } from "./cgroup-detect.js";
import type { ResourceLimits } from "./resource-limits.js";

/** One step's cgroup(s): the step joins them before bwrap starts, so everything it forks is inside. */
export interface StepCgroup {
  /** The `cgroup.procs` files the step's first process writes its pid into. */
  readonly procsFiles: readonly string[];
  readonly memory: boolean;
  readonly pids: boolean;
  /** OOM kills and refused forks so far. */
  counters(): { oomKills: number; pidsRefused: number };
  /** Kills whatever is left in it and removes it. */
  destroy(): Promise<void>;
}

/** `key N` from a flat-keyed cgroup file (memory.events, pids.events, memory.oom_control); 0 when absent. */
export function readCounter(file: string, key: string): number {
  try {
    const m = new RegExp(`^${key} (\\d+)$`, "m").exec(readFileSync(file, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    // The cgroup is gone (its step ended): it counts nothing more.
    return 0;
  }
}

function writeIfPresent(file: string, value: string, always = false): void {
  if (always || existsSync(file)) writeFileSync(file, value);
}

async function killAndRemove(dir: string): Promise<void> {
  for (let round = 0; round < 40; round++) {
    if (existsSync(path.join(dir, "cgroup.kill"))) {
      try {
        writeFileSync(path.join(dir, "cgroup.kill"), "1");
      } catch {
        // An older kernel without cgroup.kill semantics: the loop below does it.
      }
    }
    let pids: number[];
    try {
      pids = readFileSync(path.join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
    } catch {
      // The cgroup is already gone: nothing left to kill.
      pids = [];
    }
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    try {
      rmdirSync(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return;
      if (code !== "EBUSY" || round === 39) return;
    }
    await sleep(50);
  }
}

/** A fresh cgroup for one step under `setup` with `limits` applied; null when there is nowhere to make one. */
export function createStepCgroup(setup: CgroupSetup, limits: ResourceLimits): StepCgroup | null {
  if (setup.kind === "none") return null;
  const name = `sentinel-step-${process.pid}-${randomBytes(4).toString("hex")}`;
  if (setup.kind === "v2") {
    const dir = path.join(setup.parent, name);
    mkdirSync(dir);
    try {
      if (setup.memory) {
        writeIfPresent(path.join(dir, "memory.max"), String(limits.memoryBytes), true);
        writeIfPresent(path.join(dir, "memory.swap.max"), "0");
        // One OOM kill takes the whole step: no half-dead install carries on.
        writeIfPresent(path.join(dir, "memory.oom.group"), "1");
      }
      if (setup.pids) writeIfPresent(path.join(dir, "pids.max"), String(limits.pids), true);
    } catch (error) {
      void killAndRemove(dir);
      throw error;
    }
    return {
      procsFiles: [path.join(dir, "cgroup.procs")],
      memory: setup.memory,
      pids: setup.pids,
      counters: () => ({
        oomKills: readCounter(path.join(dir, "memory.events"), "oom_kill"),
        pidsRefused: readCounter(path.join(dir, "pids.events"), "max"),
      }),
      destroy: () => killAndRemove(dir),
    };
  }
  const memDir = setup.memory ? path.join(setup.memory, name) : null;
  const pidsDir = setup.pids ? path.join(setup.pids, name) : null;
  const made: string[] = [];
  try {
    if (memDir) {
      mkdirSync(memDir);
      made.push(memDir);
      writeFileSync(path.join(memDir, "memory.limit_in_bytes"), String(limits.memoryBytes));
      // memsw is memory plus swap: equal to the memory limit means no swap.
      writeIfPresent(path.join(memDir, "memory.memsw.limit_in_bytes"), String(limits.memoryBytes));
    }
    if (pidsDir) {
      mkdirSync(pidsDir);
      made.push(pidsDir);
      writeFileSync(path.join(pidsDir, "pids.max"), String(limits.pids));
    }
  } catch (error) {
    for (const dir of made) void killAndRemove(dir);
    throw error;
  }
  return {
    procsFiles: made.map((dir) => path.join(dir, "cgroup.procs")),
    memory: memDir !== null,
    pids: pidsDir !== null,
    counters: () => ({
      oomKills: memDir ? readCounter(path.join(memDir, "memory.oom_control"), "oom_kill") : 0,
      pidsRefused: pidsDir ? readCounter(path.join(pidsDir, "pids.events"), "max") : 0,
    }),
    destroy: async () => {
      await Promise.all(made.map(killAndRemove));
    },
  };
}
