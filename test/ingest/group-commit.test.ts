import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createDeliveryIngester,
  UnstorableDeliveryError,
  type IngestResult,
} from "../../src/ingest/ingest-delivery.js";
import { sweepDeliveries } from "../../src/ingest/index.js";
import {
  BullQueue,
  MemoryQueue,
  safeJobId,
  type BulkJob,
  type JobHandlers,
  type JobQueue,
} from "../../src/queue/index.js";
import { Store, type Database, type DeliveryRecord } from "../../src/store/index.js";
import { DATABASES, REDIS_URL, redisAvailable } from "../support/services.js";

const silent = pino({ level: "silent" });

function delivery(key: string, payload: unknown = { key }): DeliveryRecord {
  return { deliveryKey: key, forge: "github", event: "workflow_job", action: "completed", payload };
}

/** JSON nested deeper than PostgreSQL's parser goes (its stack depth limit). */
function tooDeep(): { text: string; payload: unknown } {
  const text = `{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
  let payload: unknown = [];
  for (let i = 0; i < 100_000; i++) payload = [payload];
  return { text, payload: { a: payload } };
}

/** A queue that records how jobs arrived, one by one or in bulk. */
class CountingQueue extends MemoryQueue {
  readonly bulks: number[] = [];
  override async addBulk(jobs: readonly BulkJob[]): Promise<void> {
    this.bulks.push(jobs.length);
    await super.addBulk(jobs);
  }
}

/** A store that records the size of every recording statement. */
class CountingStore extends Store {
  readonly statements: number[] = [];
  constructor(db: Database) {
    super(db);
    const recordMany = this.deliveries.recordMany.bind(this.deliveries);
    this.deliveries.recordMany = async (ds: readonly DeliveryRecord[]): Promise<Set<string>> => {
      this.statements.push(ds.length);
      return recordMany(ds);
    };
  }
}

for (const { name, available, open } of DATABASES) {
  describe.skipIf(!available)(`group commit of deliveries on ${name}`, () => {
    let db: Database;
    let drop: () => Promise<void>;
    beforeEach(async () => {
      ({ db, drop } = await open());
    });
    afterEach(() => drop());

    it("records deliveries that arrive together with one statement, queues them with one round trip, and answers each", async () => {
      const store = new CountingStore(db);
      const queue = new CountingQueue();
      const ingest = createDeliveryIngester({ store, queue, logger: silent });
      const keys = Array.from({ length: 10 }, (_, i) => `github:together-${i}`);
      const results = await Promise.all(keys.map((k) => ingest(delivery(k))));
      expect(results).toEqual(keys.map(() => "recorded"));
      expect(store.statements).toEqual([10]);
      expect(queue.bulks).toEqual([10]);
      // The enqueued mark follows the answers; idle() is when it is written.
      await ingest.idle();
      for (const k of keys)
        expect(await store.deliveries.get(k)).toMatchObject({ deliveryKey: k, enqueuedAt: expect.any(Date) });
      expect(await queue.depth()).toBe(10);
    });

    it("records two copies of one delivery id in the same batch once: one is recorded, the other is a redelivery", async () => {
      const store = new CountingStore(db);
      const queue = new CountingQueue();
      const ingest = createDeliveryIngester({ store, queue, logger: silent });
      const results = await Promise.all([
        ingest(delivery("github:twice")),
        ingest(delivery("github:twice")),
        ingest(delivery("github:other")),
      ]);
      expect(store.statements).toEqual([3]);
      expect(results.filter((r) => r === "recorded")).toHaveLength(2);
      expect(results.slice(0, 2).sort()).toEqual(["duplicate", "recorded"]);
      expect(queue.bulks).toEqual([2]);
      const { rows } = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM deliveries WHERE delivery_key = 'github:twice'",
      );
      expect(rows[0]?.n).toBe(1);
    });

    it("answers a redelivery of a key recorded earlier as a duplicate and does not queue it again", async () => {
      const store = new Store(db);
      const queue = new CountingQueue();
      const ingest = createDeliveryIngester({ store, queue, logger: silent });
      expect(await ingest(delivery("github:again"))).toBe("recorded");
      expect(await Promise.all([ingest(delivery("github:again")), ingest(delivery("github:new"))])).toEqual([
        "duplicate",
        "recorded",
      ]);
      expect(queue.bulks).toEqual([1, 1]);
    });

    it("records the others of a batch when the database refuses one delivery, and refuses that one as unstorable", async () => {
      const store = new CountingStore(db);
      const queue = new MemoryQueue();
      const ingest = createDeliveryIngester({ store, queue, logger: silent });
      const deep = tooDeep();
      const settled = await Promise.allSettled([
        ingest(delivery("github:fine-1")),
        ingest({ ...delivery("github:too-deep", deep.payload), payloadText: deep.text }),
        ingest(delivery("github:fine-2")),
      ]);
      expect(settled[0]).toEqual({ status: "fulfilled", value: "recorded" });
      expect(settled[2]).toEqual({ status: "fulfilled", value: "recorded" });
      expect(settled[1]?.status).toBe("rejected");
      expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(UnstorableDeliveryError);
      expect(await store.deliveries.get("github:too-deep")).toBeNull();
      await ingest.idle();
      expect(await store.deliveries.get("github:fine-2")).toMatchObject({ enqueuedAt: expect.any(Date) });
    });

    it("refuses, as unstorable, a delivery whose key is too long for the database's index, and records the rest", async () => {
      const store = new Store(db);
      const ingest = createDeliveryIngester({ store, queue: new MemoryQueue(), logger: silent });
      const huge = `github:${randomBytes(6000).toString("hex")}`;
      const settled = await Promise.allSettled([ingest(delivery(huge)), ingest(delivery("github:short"))]);
      expect((settled[0] as PromiseRejectedResult).reason).toBeInstanceOf(UnstorableDeliveryError);
      expect(settled[1]).toEqual({ status: "fulfilled", value: "recorded" });
    });

    it("answers a batch as recorded when the queue refuses it, and leaves it for the sweeper", async () => {
      const store = new Store(db);
      const broken = new MemoryQueue();
      broken.add = async () => {
        throw new Error("Redis is down");
      };
      const ingest = createDeliveryIngester({ store, queue: broken, logger: silent });
      expect(await Promise.all([ingest(delivery("github:q-1")), ingest(delivery("github:q-2"))])).toEqual([
        "recorded",
        "recorded",
      ]);
      expect((await store.deliveries.notEnqueued(-1000)).sort()).toEqual(["github:q-1", "github:q-2"]);

      const queue = new MemoryQueue();
      const seen: string[] = [];
      queue.start({
        delivery: async ({ deliveryKey }) => void seen.push(deliveryKey),
        diagnose: async () => {},
        fix: async () => {},
      } as JobHandlers);
      expect(await sweepDeliveries({ store, queue, logger: silent }, -1000)).toBe(2);
      await queue.idle();
      expect(seen.sort()).toEqual(["github:q-1", "github:q-2"]);
    });

    it("answers recorded when the enqueued mark fails, and leaves the re-add to the sweeper", async () => {
      const store = new Store(db);
      store.deliveries.markEnqueuedMany = async () => {
        throw new Error("connection lost");
      };
      const queue = new CountingQueue();
      const ingest = createDeliveryIngester({ store, queue, logger: silent });
      expect(await ingest(delivery("github:unmarked"))).toBe("recorded");
      await ingest.idle();
      expect(queue.bulks).toEqual([1]);
      expect(await store.deliveries.notEnqueued(-1000)).toEqual(["github:unmarked"]);
    });

    it("stores the payload's text as it arrived, and re-serialises a text PostgreSQL would refuse", async () => {
      const store = new Store(db);
      await store.deliveries.recordMany([
        { ...delivery("github:text"), payload: { a: 1 }, payloadText: '{"a": 1, "kept": "as sent"}' },
        {
          ...delivery("github:nul"),
          payload: { message: "fix\u0000bug" },
          payloadText: '{"message": "fix\\u0000bug"}',
        },
        { ...delivery("github:lone"), payload: { message: "x\ud800y" }, payloadText: '{"message": "x\\ud800y"}' },
      ]);
      expect((await store.deliveries.get("github:text"))?.payload).toEqual({ a: 1, kept: "as sent" });
      expect((await store.deliveries.get("github:nul"))?.payload).toEqual({ message: "fix\uFFFDbug" });
      expect((await store.deliveries.get("github:lone"))?.payload).toEqual({ message: "x\uFFFDy" });
    });

    it("marks a batch enqueued with one statement, leaving others alone", async () => {
      const store = new Store(db);
      await store.deliveries.recordMany(["k1", "k2", "k3"].map((k) => delivery(k)));
      await store.deliveries.markEnqueuedMany(["k1", "k3"]);
      expect(await store.deliveries.notEnqueued(-1000)).toEqual(["k2"]);
    });
  });
}

const QUEUES: ReadonlyArray<{ name: string; available: boolean; make: () => JobQueue }> = [
  { name: "the in-process queue", available: true, make: () => new MemoryQueue() },
  {
    name: "BullMQ on Redis",
    available: redisAvailable,
    make: () => new BullQueue({ redisUrl: REDIS_URL, prefix: `sentinel-test-${randomBytes(4).toString("hex")}` }),
  },
];

for (const { name, available, make } of QUEUES) {
  describe.skipIf(!available)(`addBulk on ${name}`, () => {
    let queue: JobQueue;
    afterEach(async () => {
      if (queue instanceof BullQueue) await queue.obliterate();
      await queue.close();
    });

    it("queues every job once, and an id it already has is a no-op as with add", async () => {
      queue = make();
      const seen: string[] = [];
      await queue.add("delivery", { deliveryKey: "github:b0" }, { jobId: safeJobId("delivery", "github:b0") });
      await queue.addBulk(
        ["github:b0", "github:b1", "github:b2", "github:b1"].map((k) => ({
          name: "delivery" as const,
          data: { deliveryKey: k },
          jobId: safeJobId("delivery", k),
        })),
      );
      queue.start({
        delivery: async ({ deliveryKey }) => void seen.push(deliveryKey),
        diagnose: async () => {},
        fix: async () => {},
      } as JobHandlers);
      await queue.idle();
      expect(seen.sort()).toEqual(["github:b0", "github:b1", "github:b2"]);
    });
  });
}

// Results must be one per caller, in the callers' order, even when a batch mixes outcomes.
it("answers every caller with its own result", async () => {
  const { db, drop } = await DATABASES[0]!.open();
  try {
    const ingest = createDeliveryIngester(
      { store: new Store(db), queue: new MemoryQueue(), logger: silent },
      { maxBatch: 2, maxInFlight: 1 },
    );
    const keys = ["a", "b", "a", "c", "b", "d"].map((k) => `github:order-${k}`);
    const results: IngestResult[] = await Promise.all(keys.map((k) => ingest(delivery(k))));
    // Batches of two: [a b] [a c] [b d]: the second a and the second b are redeliveries.
    expect(results).toEqual(["recorded", "recorded", "duplicate", "recorded", "duplicate", "recorded"]);
  } finally {
    await drop();
  }
});
