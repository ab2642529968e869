// Regression test for what the faults bench (bench/faults.mjs) found: with BullMQ's default
// maxStalledCount (1), a job whose worker was killed twice failed for good ("job stalled more than
// allowable limit"), so its failure was never diagnosed or never fixed.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BullQueue, safeJobId, type JobHandlers } from "../../src/queue/index.js";
import { REDIS_URL, redisAvailable } from "../support/services.js";

/** A worker process (test/support/bull-worker-child.ts) that takes the job, says so, and hangs. */
async function workerThatTakes(prefix: string, key: string): Promise<ChildProcessWithoutNullStreams> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.resolve(import.meta.dirname, "../support/bull-worker-child.ts"), REDIS_URL, prefix],
    { stdio: ["ignore", "pipe", "inherit"] },
  ) as unknown as ChildProcessWithoutNullStreams;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the child worker never took the job")), 30_000);
    child.stdout.on("data", (d: Buffer) => {
      if (d.toString().includes(`started ${key}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return child;
}

describe.skipIf(!redisAvailable)("BullMQ when worker after worker dies mid-job", () => {
  it("runs the job again each time, not failing it for good the second time", async () => {
    const prefix = `sentinel-stall2-${randomBytes(4).toString("hex")}`;
    const key = "github:d-killed-twice";
    const producer = new BullQueue({ redisUrl: REDIS_URL, prefix, lockDurationMs: 1000, stalledIntervalMs: 500 });
    const children: ChildProcessWithoutNullStreams[] = [];
    try {
      await producer.add("delivery", { deliveryKey: key }, { jobId: safeJobId("delivery", key) });
      // The first worker takes it and dies; the second finds it stalled, takes it, and dies too.
      for (let i = 0; i < 2; i++) {
        const child = await workerThatTakes(prefix, key);
        children.push(child);
        child.kill("SIGKILL");
      }
      const seen: string[] = [];
      const handlers: JobHandlers = {
        delivery: async ({ deliveryKey }, { attempt }) => void seen.push(`delivery ${deliveryKey} #${attempt}`),
        diagnose: async () => {},
        fix: async () => {},
      };
      producer.start(handlers);
      const deadline = Date.now() + 20_000;
      while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(seen).toEqual([`delivery ${key} #1`]);
      expect((await producer.counts()).failed).toBe(0);
    } finally {
      for (const c of children) c.kill("SIGKILL");
      await producer.obliterate();
      await producer.close();
    }
  }, 90_000);
});
