import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { BullQueue, MemoryQueue, safeJobId, type JobHandlers, type JobQueue } from "../../src/queue/index.js";
import { REDIS_URL, redisAvailable } from "../support/services.js";

const QUEUES: ReadonlyArray<{ name: string; available: boolean; make: () => JobQueue }> = [
  { name: "the in-process queue", available: true, make: () => new MemoryQueue({ backoffMs: 10 }) },
  {
    name: "BullMQ on Redis",
    available: redisAvailable,
    make: () =>
      new BullQueue({ redisUrl: REDIS_URL, prefix: `sentinel-test-${randomBytes(4).toString("hex")}`, backoffMs: 10 }),
  },
];

function recorder(fail: (key: string, attempt: number) => boolean = () => false) {
  const seen: string[] = [];
  const handlers: JobHandlers = {
    async delivery({ deliveryKey }, { attempt }) {
      seen.push(`delivery ${deliveryKey} #${attempt}`);
      if (fail(deliveryKey, attempt)) throw new Error(`planned failure of ${deliveryKey}`);
    },
    async diagnose({ failureKey }, { attempt }) {
      seen.push(`diagnose ${failureKey} #${attempt}`);
    },
    async fix() {},
  };
  return { seen, handlers };
}

for (const { name, available, make } of QUEUES) {
  describe.skipIf(!available)(name, () => {
    let queue: JobQueue;
    afterEach(async () => {
      if (queue instanceof BullQueue) await queue.obliterate();
      await queue.close();
    });

    it("runs each job by its name", async () => {
      queue = make();
      const { seen, handlers } = recorder();
      queue.start(handlers);
      await queue.add("delivery", { deliveryKey: "github:d1" }, { jobId: safeJobId("delivery", "github:d1") });
      await queue.add("diagnose", { failureKey: "github:1:job:2" }, { jobId: safeJobId("diagnose", "github:1:job:2") });
      await queue.idle();
      expect(seen.sort()).toEqual(["delivery github:d1 #1", "diagnose github:1:job:2 #1"]);
    });

    it("does nothing for a job id it already has, even one that finished", async () => {
      queue = make();
      const { seen, handlers } = recorder();
      queue.start(handlers);
      const id = safeJobId("delivery", "github:d1");
      await queue.add("delivery", { deliveryKey: "github:d1" }, { jobId: id });
      await queue.add("delivery", { deliveryKey: "github:d1" }, { jobId: id });
      await queue.idle();
      await queue.add("delivery", { deliveryKey: "github:d1" }, { jobId: id });
      await queue.idle();
      expect(seen).toEqual(["delivery github:d1 #1"]);
    });

    it("retries a failing job with backoff until it succeeds", async () => {
      queue = make();
      const { seen, handlers } = recorder((_key, attempt) => attempt < 3);
      queue.start(handlers);
      await queue.add("delivery", { deliveryKey: "flaky" }, { jobId: safeJobId("delivery", "flaky") });
      await queue.idle();
      expect(seen).toEqual(["delivery flaky #1", "delivery flaky #2", "delivery flaky #3"]);
    });

    it("keeps jobs added before a worker starts", async () => {
      queue = make();
      const { seen, handlers } = recorder();
      await queue.add("delivery", { deliveryKey: "early" }, { jobId: safeJobId("delivery", "early") });
      expect(await queue.depth()).toBe(1);
      queue.start(handlers);
      await queue.idle();
      expect(seen).toEqual(["delivery early #1"]);
    });

    it("answers a readiness ping", async () => {
      queue = make();
      await expect(queue.ping()).resolves.toBeUndefined();
    });
  });
}

describe("job ids", () => {
  it("never contain the ':' BullMQ reserves, and stay distinct", () => {
    expect(safeJobId("delivery", "github:a:b")).not.toContain(":");
    expect(safeJobId("delivery", "github:a_b")).not.toBe(safeJobId("delivery", "github:a:b"));
  });
});

describe.skipIf(!redisAvailable)("BullMQ when a worker process dies mid-job", () => {
  it("gives the job to another worker once the dead one's lock lapses", async () => {
    const { spawn } = await import("node:child_process");
    const path = await import("node:path");
    const prefix = `sentinel-stall-${randomBytes(4).toString("hex")}`;
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.resolve(import.meta.dirname, "../support/bull-worker-child.ts"), REDIS_URL, prefix],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const producer = new BullQueue({ redisUrl: REDIS_URL, prefix, lockDurationMs: 1000, stalledIntervalMs: 500 });
    try {
      await producer.add(
        "delivery",
        { deliveryKey: "github:d-stall" },
        { jobId: safeJobId("delivery", "github:d-stall") },
      );
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the child worker never took the job")), 20_000);
        child.stdout.on("data", (d: Buffer) => {
          if (d.toString().includes("started github:d-stall")) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      child.kill("SIGKILL");
      const { seen, handlers } = recorder();
      producer.start(handlers);
      await producer.idle(20_000);
      expect(seen).toEqual(["delivery github:d-stall #1"]);
    } finally {
      child.kill("SIGKILL");
      await producer.obliterate();
      await producer.close();
    }
  });
});
