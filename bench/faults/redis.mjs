// The bench's own Redis: a redis-server on a spare port with its data in the run's temp dir, so it
// can be killed and restarted without touching the Redis other people's tests use (6379).
//
// Persistence: BullMQ keeps every job, lock and stalled-job marker only in Redis. This one runs with
// the append-only file on (appendfsync everysec) and RDB snapshots off, and maxmemory-policy
// noeviction (BullMQ's requirement: an evicted key is a lost job). A SIGKILL of the Redis process
// loses nothing it acknowledged: every write reaches the AOF (the kernel's page cache) before
// Redis answers, and the file is read back on restart; only a machine crash could lose the last
// second. Without the AOF a restart would empty the queue: deliveries not yet processed would
// come back only through Sentinel's 15-minute sweep of unprocessed deliveries, and diagnose and
// fix jobs would not come back at all.
import { spawn } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import { Redis } from "ioredis";

export const REDIS_PERSISTENCE =
  'appendonly yes, appendfsync everysec, no RDB snapshots (--save ""), maxmemory-policy noeviction';

export async function startOwnRedis({ port, dir, logFile }) {
  mkdirSync(dir, { recursive: true });
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    "yes",
    "--appendfsync",
    "everysec",
    "--maxmemory-policy",
    "noeviction",
    "--daemonize",
    "no",
    "--protected-mode",
    "yes",
  ];
  let child = null;
  const url = `redis://127.0.0.1:${port}`;

  const launch = async () => {
    const out = openSync(logFile, "a");
    // Its own process group: a Ctrl-C in the terminal reaches the bench, which stops Redis itself.
    child = spawn("redis-server", args, { stdio: ["ignore", out, out], detached: true });
    const c = child;
    c.exited = new Promise((resolve) => c.once("exit", (code, signal) => resolve({ code, signal })));
    const probe = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 500,
    });
    probe.on("error", () => {});
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await probe.connect();
        // Loading the AOF answers LOADING errors until done: wait for a real PONG.
        if ((await probe.ping()) === "PONG") break;
      } catch {
        probe.disconnect();
      }
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start; see ${logFile}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    probe.disconnect();
  };

  await launch();
  return {
    url,
    port,
    pid: () => child?.pid,
    /** Kills Redis with SIGKILL (a crash, not a shutdown), waits `downMs`, starts it again on the same port and files. */
    async crashAndRestart(downMs) {
      const killed = Date.now();
      child.kill("SIGKILL");
      await child.exited;
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
      return { downMs: Date.now() - killed };
    },
    /** Keys and the AOF's view of the queue, for the report. */
    async info() {
      const r = new Redis(url, { maxRetriesPerRequest: 1 });
      r.on("error", () => {});
      try {
        const persistence = await r.info("persistence");
        const keyspace = await r.info("keyspace");
        return { aofEnabled: /aof_enabled:1/.test(persistence), keys: Number(/keys=(\d+)/.exec(keyspace)?.[1] ?? 0) };
      } finally {
        r.disconnect();
      }
    },
    async stop() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGKILL");
      await child.exited;
    },
  };
}
