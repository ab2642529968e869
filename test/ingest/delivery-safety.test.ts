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
    queue.start({
      delivery: async ({ deliveryKey }) => void seen.push(deliveryKey),
      diagnose: async () => {},
      fix: async () => {},
    } as JobHandlers);
    // The process died between recording and queueing.
    await store.deliveries.record({ deliveryKey: "gitlab:lost-1", forge: "gitlab", event: "Job Hook", payload: {} });
    const deps = { store, queue, logger: pino({ level: "silent" }) };
    expect(await sweepDeliveries(deps, -1000)).toBe(1);
    expect(await sweepDeliveries(deps, -1000)).toBe(0);
    await queue.idle();
    expect(seen).toEqual(["gitlab:lost-1"]);
    await db.close();
  });

  it("is still recorded, and answered as accepted, when the queue refuses it", async () => {
    const db = await openDatabase({});
    const store = new Store(db);
    const broken = new MemoryQueue();
    broken.add = async () => {
      throw new Error("Redis is down");
    };
    const deps = { store, queue: broken, logger: pino({ level: "silent" }) };
    expect(
      await ingestDelivery(deps, {
        deliveryKey: "github:d-9",
        forge: "github",
        event: "workflow_job",
        payload: { a: 1 },
      }),
    ).toBe("recorded");
    expect(await store.deliveries.get("github:d-9")).toMatchObject({ enqueuedAt: null });
    expect(await store.deliveries.notEnqueued(-1000)).toEqual(["github:d-9"]);
    await db.close();
  });

  it("is queued again when it was queued but its job was lost", async () => {
    const db = await openDatabase({});
    const store = new Store(db);
    const queue = new MemoryQueue();
    const seen: string[] = [];
    const deps = { store, queue, logger: pino({ level: "silent" }) };
    await ingestDelivery(deps, { deliveryKey: "github:d-10", forge: "github", event: "workflow_job", payload: {} });
    // The job vanished with a stopped in-process queue; nothing processed the delivery.
    queue.start({
      delivery: async ({ deliveryKey }) => void seen.push(deliveryKey),
      diagnose: async () => {},
      fix: async () => {},
    } as JobHandlers);
    await queue.idle();
    expect(seen).toEqual(["github:d-10"]);
    expect(await sweepDeliveries(deps, -1000, -1000)).toBe(1);
    await queue.idle();
    expect(seen).toEqual(["github:d-10", "github:d-10"]);
    await db.close();
  });

  it("is stored even when its text holds a NUL character PostgreSQL cannot keep", async () => {
    const db = await openDatabase({});
    const store = new Store(db);
    expect(
      await store.deliveries.record({
        deliveryKey: "gitlab:nul",
        forge: "gitlab",
        event: "Job Hook",
        payload: { message: "fix\u0000bug" },
      }),
    ).toBe(true);
    expect(((await store.deliveries.get("gitlab:nul"))?.payload as { message: string }).message).toBe("fix\uFFFDbug");
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
    app = await startFromEnv(
      { PORT: "0", LOG_LEVEL: "trace", SENTINEL_DATA_DIR: ":memory:", GITLAB_WEBHOOK_SECRET: SECRET },
      { logStream: stream },
    );
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

  it("refuses a chunked body over the size cap with 413, without a Content-Length to go by", async () => {
    const chunk = "x".repeat(1024 * 1024);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 26; i++) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });
    const res = await fetch(`http://127.0.0.1:${app.port}/api/gitlab/webhook`, {
      method: "POST",
      headers: { "x-gitlab-event": "Job Hook", "x-gitlab-token": SECRET, "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
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
