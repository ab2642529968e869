import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { SentinelError, UnrecoverableError } from "../../src/core/index.js";
import { BullQueue, MemoryQueue, safeJobId, type JobHandlers, type JobQueue } from "../../src/queue/index.js";
import { REDIS_URL, redisAvailable } from "../support/services.js";

interface Failure {
  readonly error: unknown;
  readonly attempt: number;
}

const QUEUES: ReadonlyArray<{
  name: string;
  available: boolean;
  make: (onError: (error: unknown, job: { attempt: number }) => void) => JobQueue;
}> = [
  {
    name: "the in-process queue",
    available: true,
    make: (onError) => new MemoryQueue({ backoffMs: 10, attempts: 3, onError }),
  },
  {
    name: "BullMQ on Redis",
    available: redisAvailable,
    make: (onError) =>
      new BullQueue({
        redisUrl: REDIS_URL,
        prefix: `sentinel-test-${randomBytes(4).toString("hex")}`,
        backoffMs: 10,
        attempts: 3,
        onError,
      }),
  },
];

/** Handlers whose delivery job always throws what `fail` makes; every attempt is recorded. */
function alwaysFailing(fail: () => Error) {
  const attempts: number[] = [];
  const handlers: JobHandlers = {
    async delivery(_data, { attempt }) {
      attempts.push(attempt);
      throw fail();
    },
    async diagnose() {},
    async fix() {},
  };
  return { attempts, handlers };
}

for (const { name, available, make } of QUEUES) {
  describe.skipIf(!available)(`${name} and unrecoverable errors`, () => {
    let queue: JobQueue;
    afterEach(async () => {
      if (queue instanceof BullQueue) await queue.obliterate();
      await queue.close();
    });

    async function run(fail: () => Error): Promise<{ attempts: number[]; failures: Failure[] }> {
      const failures: Failure[] = [];
      queue = make((error, job) => failures.push({ error, attempt: job.attempt }));
      const { attempts, handlers } = alwaysFailing(fail);
      queue.start(handlers);
      await queue.add("delivery", { deliveryKey: "doomed" }, { jobId: safeJobId("delivery", "doomed") });
      await queue.idle();
      return { attempts, failures };
    }

    it("runs a job that throws an UnrecoverableError once and records it failed", async () => {
      const { attempts, failures } = await run(
        () => new UnrecoverableError("E_QUEUE_NO_HANDLER", "no retry can fix this"),
      );
      expect(attempts).toEqual([1]);
      expect((await queue.counts()).failed).toBe(1);
      expect(failures).toHaveLength(1);
      expect(failures[0]?.error).toBeInstanceOf(UnrecoverableError);
    });

    it("runs a job once when its error's code is unrecoverable in the outcome table", async () => {
      const { attempts } = await run(() => new SentinelError("E_REMOTE_REFUSED", "this remote is refused"));
      expect(attempts).toEqual([1]);
      expect((await queue.counts()).failed).toBe(1);
    });

    it("still retries a job that throws a plain error, up to its attempts", async () => {
      const { attempts, failures } = await run(() => new Error("a hiccup"));
      expect(attempts).toEqual([1, 2, 3]);
      expect((await queue.counts()).failed).toBe(1);
      expect(failures.map((f) => f.attempt)).toEqual([1, 2, 3]);
    });
  });
}
