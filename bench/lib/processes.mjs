// Child processes for the benches (servers, load generators) and what they cost, read from /proc:
// on a small machine the load generator, the server, Redis and PostgreSQL share the same cores,
// so a figure means little without knowing who used the CPU.
import { spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync, writeSync } from "node:fs";
import { createServer } from "node:net";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** A free TCP port on 127.0.0.1 (the kernel's pick), for a child that must be told its port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts `node <script>` with `env` (PORT set to `port`), its output to `logFile` (a server's logs
 * are part of its cost, so they are written, not dropped; `appendLog` keeps earlier lives' logs),
 * and waits until GET <url>/healthz answers 200. With `group`, the child leads a process group of
 * its own and kill() and stop() end the whole group: everything it started (git, bubblewrap,
 * cargo) dies with it, as when a container or machine dies.
 */
export async function startServer({
  name,
  script,
  args = [],
  nodeArgs = [],
  env,
  port,
  logFile,
  timeoutMs = 30_000,
  group = false,
  appendLog = false,
}) {
  const startedAt = Date.now();
  const out = openSync(logFile, appendLog ? "a" : "w");
  if (appendLog) writeSync(out, `\n=== ${new Date().toISOString()} starting ${name} on port ${port}\n`);
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    env: { ...env, PORT: String(port) },
    stdio: ["ignore", out, out],
    detached: group,
  });
  closeSync(out);
  let exited = null;
  const exit = new Promise((resolve) => child.once("exit", (code, signal) => resolve((exited = { code, signal }))));
  const signal = (sig) => {
    try {
      if (group) process.kill(-child.pid, sig);
      else child.kill(sig);
    } catch {
      // already gone
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited)
      throw new Error(`${name} exited (${JSON.stringify(exited)}) before it answered /healthz; see ${logFile}`);
    try {
      const res = await fetch(`${url}/healthz`);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      signal("SIGKILL");
      throw new Error(`${name} did not answer ${url}/healthz within ${timeoutMs} ms; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name,
    url,
    port,
    pid: child.pid,
    logFile,
    startedAt,
    exit,
    alive: () => exited === null,
    exitStatus: () => exited,
    /** SIGKILL (to the group, with `group`). */
    async kill() {
      signal("SIGKILL");
      await exit;
    },
    /** SIGTERM (Sentinel closes cleanly), then SIGKILL after `graceMs`; with `group`, whatever it left running goes too. */
    async stop(graceMs = 10_000) {
      if (!exited) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => signal("SIGKILL"), graceMs);
        await exit;
        clearTimeout(timer);
      }
      if (group) signal("SIGKILL");
      return exited;
    },
  };
}

/**
 * Runs `node <script> <json config>` to completion and returns the JSON it prints last (a child
 * reports its own CPU time: once it has exited, /proc no longer has it).
 */
export function runChild(script, config) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, JSON.stringify(config)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`${script} exited with ${code}`));
      const last = out.trim().split("\n").pop();
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`${script} printed no JSON result: ${out.slice(-500)}`));
      }
    });
  });
}

/** Resident set size of a process, in bytes (0 when it is gone). */
export function rssOf(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) a process has used so far, its waited-for children included. */
export function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the command: state is field 3, so utime (14), stime (15), cutime (16), cstime (17) are at 11..14.
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds used so far by each process whose command name is `comm` and whose command line
 * passes `keep` (PostgreSQL backends show their database in it, Redis its port), by pid, so that
 * other databases and Redis instances on the machine are not counted as this run's.
 */
export function cpuSecondsByPid(comm, keep = () => true) {
  const byPid = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== comm) continue;
      if (!keep(readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " "))) continue;
      byPid.set(entry, cpuSecondsOf(Number(entry)));
    } catch {
      // the process ended while we looked
    }
  }
  return byPid;
}

/**
 * CPU used between two cpuSecondsByPid samples. A process that started meanwhile counts from
 * zero; one that ended meanwhile (a pooled connection closed) is left out, its last seconds lost,
 * rather than subtracted.
 */
function usedBetween(before, after) {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** Busy and total CPU seconds of the whole machine so far (all cores), from /proc/stat. */
export function machineCpuSeconds() {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}

/**
 * Measures who used the CPU while `fn` ran: the named processes by pid; PostgreSQL's processes
 * for `database` (its backends, and the shared writer processes whose work the run causes: WAL
 * writer, checkpointer, background writer); the Redis server on `redisPort`; the whole machine.
 * Returns fn's result and the cores each used on average.
 */
export async function measureCpu({ pids, database, redisPort }, fn) {
  const pgOurs = (cmd) =>
    cmd.includes(` ${database} `) || /walwriter|checkpointer|background writer|wal writer/.test(cmd);
  const redisOurs = (cmd) => cmd.includes(`:${redisPort}`);
  const sample = () => ({
    pids: Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSecondsOf(pid)])),
    postgres: cpuSecondsByPid("postgres", pgOurs),
    redis: cpuSecondsByPid("redis-server", redisOurs),
    machine: machineCpuSeconds().busy,
  });
  const before = sample();
  const t0 = performance.now();
  const result = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const after = sample();
  const cores = {};
  for (const k of Object.keys(pids)) cores[k] = (after.pids[k] - before.pids[k]) / seconds;
  cores.postgres = usedBetween(before.postgres, after.postgres) / seconds;
  cores.redis = usedBetween(before.redis, after.redis) / seconds;
  cores.machine = (after.machine - before.machine) / seconds;
  return { result, cores };
}
