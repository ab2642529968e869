import { PassThrough } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestDelivery, sweepDeliveries } from "../../src/ingest/index.js";
import { startFromEnv, type Running } from "../../src/main.js";
import { MemoryQueue, type JobHandlers } from "../../src/queue/index.js";
import { openDatabase, Store } from "../../src/store/index.js";

describe("a delivery that was recorded but never reached the queue", () => {
  it("is swept into the queue, once", async () => {
    const db = await openDatabase({});
    const store = new Store(db);
    const queue = new MemoryQueue();
    const seen: string[] = [];
    queue.start({ delivery: async ({ deliveryKey }) => void seen.push(deliveryKey), diagnose: async () => {} } as JobHandlers);
    // The process died between recording and queueing.
    await store.recordDelivery({ deliveryKey: "gitlab:lost-1", forge: "gitlab", event: "Job Hook", payload: {} });
    const deps = { store, queue, logger: pino({ level: "silent" }) };
    expect(await sweepDeliveries(deps, -1000)).toBe(1);
    expect(await sweepDeliveries(deps, -1000)).toBe(0);
    await queue.idle();
    expect(seen).toEqual(["gitlab:lost-1"]);
    await db.close();
  });

  it("is still recorded when the queue refuses it, so the sweeper can try again", async () => {
    const db = await openDatabase({});
    const store = new Store(db);
    const broken = new MemoryQueue();
    broken.add = async () => {
      throw new Error("Redis is down");
    };
    const deps = { store, queue: broken, logger: pino({ level: "silent" }) };
    await expect(ingestDelivery(deps, { deliveryKey: "github:d-9", forge: "github", event: "workflow_job", payload: { a: 1 } })).rejects.toThrow("Redis is down");
    expect(await store.getDelivery("github:d-9")).toMatchObject({ enqueuedAt: null });
    expect(await store.deliveriesNotEnqueued(-1000)).toEqual(["github:d-9"]);
    await db.close();
  });
});

describe("secrets in requests", () => {
  const SECRET = "glsecret-do-not-log-4f7a";
  const logs: string[] = [];
  let app: Running;
  beforeAll(async () => {
    const stream = new PassThrough();
    stream.on("data", (d: Buffer) => logs.push(d.toString()));
    app = await startFromEnv({ PORT: "0", LOG_LEVEL: "trace", SENTINEL_DATA_DIR: ":memory:", GITLAB_WEBHOOK_SECRET: SECRET }, { logStream: stream });
  });
  afterAll(() => app.close());

  it("never reach the logs, whether the token is right or wrong", async () => {
    for (const token of [SECRET, `${SECRET}-wrong`]) {
      await fetch(`http://127.0.0.1:${app.port}/api/gitlab/webhook`, {
        method: "POST",
        headers: { "x-gitlab-event": "Push Hook", "x-gitlab-token": token, "content-type": "application/json" },
        body: "{}",
      });
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(logs.join("")).toContain("GitLab");
    expect(logs.join("")).not.toContain(SECRET);
  });

  it("refuses a body over the size cap with 413", async () => {
    const big = "x".repeat(26 * 1024 * 1024);
    const res = await fetch(`http://127.0.0.1:${app.port}/api/gitlab/webhook`, {
      method: "POST",
      headers: { "x-gitlab-event": "Job Hook", "x-gitlab-token": SECRET, "content-type": "application/json" },
      body: big,
    });
    expect(res.status).toBe(413);
  });
});
