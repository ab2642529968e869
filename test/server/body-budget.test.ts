import { createHmac } from "node:crypto";
import { request, type Server } from "node:http";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { BodyBudget, BodyBudgetTimeoutError } from "../../src/server/body-budget.js";
import { createHttpServer, MAX_GITHUB_BODY } from "../../src/server/create-http-server.js";

describe("the body budget", () => {
  it("grants reservations in order of arrival, each once there is room", async () => {
    const budget = new BodyBudget(10);
    const releaseA = await budget.reserve(6, 1000);
    const order: string[] = [];
    const b = budget.reserve(6, 1000).then((release) => (order.push("b"), release));
    // Small enough to fit now, but it arrived after b: it does not jump the queue.
    const c = budget.reserve(4, 1000).then((release) => (order.push("c"), release));
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]);
    releaseA();
    (await b)();
    (await c)();
    expect(order).toEqual(["b", "c"]);
    expect(budget.inUse).toBe(0);
  });

  it("refuses a reservation that waited too long, and lets the ones behind it in", async () => {
    const budget = new BodyBudget(10);
    const release = await budget.reserve(8, 1000);
    const big = budget.reserve(10, 30);
    const small = budget.reserve(2, 1000);
    await expect(big).rejects.toBeInstanceOf(BodyBudgetTimeoutError);
    (await small)();
    release();
    expect(budget.inUse).toBe(0);
  });

  it("counts a release once, however often it is called", async () => {
    const budget = new BodyBudget(10);
    const release = await budget.reserve(5, 1000);
    release();
    release();
    expect(budget.inUse).toBe(0);
  });
});

describe("GitHub deliveries while the body budget is full", () => {
  const SECRET = "budget-secret";
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? (server.closeAllConnections(), server.close(() => r())) : r())));

  async function start(): Promise<number> {
    const github = (_req: unknown, res: { writeHead: (s: number) => { end: (t: string) => void } }) => res.writeHead(200).end("ok\n");
    server = createHttpServer({ logger: pino({ level: "silent" }), version: "test", mode: {}, github: github as never, githubWebhookSecret: SECRET, bodyBudgetBytes: MAX_GITHUB_BODY, bodyBudgetWaitMs: 300 });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    return (server!.address() as { port: number }).port;
  }

  const deliver = (port: number) => {
    const body = JSON.stringify({ action: "completed" });
    return fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "d-1", "x-hub-signature-256": "sha256=" + createHmac("sha256", SECRET).update(body).digest("hex") },
      body,
    });
  };

  it("are answered 429 with Retry-After while a 25 MB upload holds it, and read as usual once it is gone", async () => {
    const port = await start();
    // An upload declaring GitHub's maximum that sends a first kilobyte and then stalls.
    const stalled = request({ port, host: "127.0.0.1", method: "POST", path: "/api/github/webhooks", headers: { "content-type": "application/json", "content-length": String(MAX_GITHUB_BODY), "x-hub-signature-256": "sha256=00" } });
    stalled.on("error", () => {});
    stalled.write("x".repeat(1024));
    await new Promise((r) => setTimeout(r, 100));

    const refused = await deliver(port);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(await refused.json()).toEqual({ error: "too many large request bodies are being received at once; retry shortly" });

    stalled.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await deliver(port)).status).toBe(200);
  });
});
