import { createHmac } from "node:crypto";
import { request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect } from "node:net";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createMetrics } from "../../src/metrics/index.js";
import { MemoryQueue } from "../../src/queue/index.js";
import {
  bodyBudgetOf,
  createHttpServer,
  MAX_GITHUB_BODY,
  verifiedGithubBody,
  type HttpServerDeps,
} from "../../src/server/create-http-server.js";
import { createGitlabWebhook } from "../../src/startup/gitlab-webhook.js";
import { readBody } from "../../src/server/read-body.js";
import { openDatabase, Store } from "../../src/store/index.js";

const SECRET = "slow-clients-secret";
const GITHUB = "/api/github/webhooks";

/** Resolves once `check` holds, polling; the test's own timeout is the hang guard. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? (server.closeAllConnections(), server.close(() => r())) : r())));

/** A server whose GitHub route records each delivery it verified and answers 200. */
async function start(options: Partial<HttpServerDeps> = {}): Promise<{ port: number; delivered: string[] }> {
  const delivered: string[] = [];
  const github = (req: IncomingMessage, res: ServerResponse) => {
    delivered.push(verifiedGithubBody(req) ?? "unverified");
    res.writeHead(200).end("ok\n");
  };
  server = createHttpServer({
    logger: pino({ level: "silent" }),
    version: "test",
    mode: {},
    github,
    githubWebhookSecret: SECRET,
    ...options,
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return { port: (server!.address() as { port: number }).port, delivered };
}

const budget = () => bodyBudgetOf(server!)!;

/** A signed GitHub delivery sent from `localAddress` (Linux routes all of 127/8 on loopback). */
function deliver(port: number, body: string, localAddress = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const signature = "sha256=" + createHmac("sha256", SECRET).update(body).digest("hex");
    const req = request(
      {
        port,
        host: "127.0.0.1",
        localAddress,
        method: "POST",
        path: GITHUB,
        headers: {
          "content-type": "application/json",
          "x-github-event": "ping",
          "x-github-delivery": "d-1",
          "x-hub-signature-256": signature,
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

interface SlowClient {
  /** The status the server answered with, or null when it closed without an answer; once the socket closed. */
  readonly answer: Promise<{ status: number | null; text: string }>;
  readonly sent: () => number;
  readonly closed: () => boolean;
}

/**
 * A client that sends headers declaring `declared` body bytes, then `first` bytes at once, then one
 * byte every `everyMs` until the server answers or hangs up.
 */
function slowClient(
  port: number,
  o: { localAddress?: string; declared?: number; first?: number; everyMs?: number; step?: number; head?: string } = {},
): SlowClient {
  const socket = connect({ port, host: "127.0.0.1", localAddress: o.localAddress ?? "127.0.0.1" });
  let sent = 0;
  let text = "";
  let closed = false;
  const send = (n: number) => {
    if (socket.writable && !text) {
      socket.write("x".repeat(n));
      sent += n;
    }
  };
  const head =
    o.head ??
    `POST ${GITHUB} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Hub-Signature-256: sha256=00\r\nContent-Length: ${o.declared ?? MAX_GITHUB_BODY}\r\n\r\n`;
  socket.write(head);
  send(o.first ?? 1);
  const timer = setInterval(() => send(o.step ?? 1), o.everyMs ?? 100);
  socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
  socket.on("error", () => {});
  const answer = new Promise<{ status: number | null; text: string }>((resolve) =>
    socket.on("close", () => {
      closed = true;
      clearInterval(timer);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({ status: status ? Number(status) : null, text });
    }),
  );
  // Once answered it stops sending and hangs up, as a real client would.
  socket.on("data", () => socket.end());
  return { answer, sent: () => sent, closed: () => closed };
}

describe("a slow-body attack: clients declaring 25 MB each and trickling the body", () => {
  it("does not keep out signed deliveries, from the attacker's address or another, while it trickles", async () => {
    // Nobody is cut in this test: bytes taken as they arrive are what keeps the budget free.
    const { port, delivered } = await start({ bodyMinBytesPerSecond: 0, bodyDeadlineMs: 120_000 });
    const attackers = [
      ...Array.from({ length: 4 }, () => slowClient(port, { everyMs: 50 })),
      slowClient(port, { localAddress: "127.0.0.2", everyMs: 50 }),
    ];
    await until(() => budget().inUse >= attackers.length);

    const body = JSON.stringify({ action: "completed", note: "a legitimate delivery" });
    expect(await deliver(port, body)).toBe(200);
    expect(await deliver(port, body, "127.0.0.3")).toBe(200);
    expect(delivered).toEqual([body, body]);
    // Still trickling, and holding only what they sent, not the 125 MB they declared.
    expect(attackers.every((a) => !a.closed())).toBe(true);
    expect(budget().inUse).toBeLessThanOrEqual(attackers.reduce((n, a) => n + a.sent(), 0));
  });

  it("cuts each slow client with 408 on the default pace, and gives back what it held", async () => {
    const { port } = await start();
    const attackers = Array.from({ length: 4 }, () => slowClient(port, { first: 100, everyMs: 200 }));
    await until(() => budget().inUse >= 400);

    const answers = await Promise.all(attackers.map((a) => a.answer));
    expect(answers.map((a) => a.status)).toEqual([408, 408, 408, 408]);
    expect(answers[0]?.text).toContain("the request body arrived too slowly");
    expect(budget().inUse).toBe(0);
  });

  it("cuts a client that keeps the minimum rate but not the deadline with 408", async () => {
    const { port } = await start({ bodyDeadlineMs: 500, bodyMinBytesPerSecond: 1024, bodyRateGraceMs: 100 });
    const client = slowClient(port, { first: 4096, step: 4096, everyMs: 50 });
    const answer = await client.answer;
    expect(answer.status).toBe(408);
    expect(answer.text).toContain("did not arrive within");
    expect(budget().inUse).toBe(0);
  });

  it("lets one client address hold no more than its share of the budget, while another address's delivery gets through", async () => {
    // A 256 KiB budget for 64 KiB bodies: a quarter, one body, per address.
    const limit = 64 * 1024;
    const { port } = await start({
      maxGithubBodyBytes: limit,
      bodyBudgetBytes: 4 * limit,
      bodyClientShare: 0.25,
      bodyBudgetWaitMs: 300,
      bodyMinBytesPerSecond: 0,
      bodyDeadlineMs: 120_000,
    });
    const first = slowClient(port, { declared: limit, first: 40 * 1024, everyMs: 60_000 });
    await until(() => budget().heldBy("127.0.0.1") === 40 * 1024);
    const second = slowClient(port, { declared: limit, first: 40 * 1024, everyMs: 60_000 });

    const other = JSON.stringify({ action: "completed", padding: "p".repeat(40 * 1024) });
    expect(await deliver(port, other, "127.0.0.2")).toBe(200);
    const refused = await second.answer;
    expect(refused.status).toBe(429);
    expect(refused.text).toMatch(/retry-after: 5/i);
    expect(first.closed()).toBe(false);
    expect(budget().heldBy("127.0.0.1")).toBe(40 * 1024);
  });

  it("counts a client cut for slowness among the refused webhooks, with reason slow", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const { port } = await start({ metrics, bodyRateGraceMs: 100, bodyMinBytesPerSecond: 1024 });
    expect((await slowClient(port).answer).status).toBe(408);
    const counted = (await metrics.webhooksRejected.get()).values.find((v) => v.labels.reason === "slow");
    expect(counted).toMatchObject({ labels: { forge: "github", reason: "slow" }, value: 1 });
  });

  it("answers 408, not 500, when a route lets a too-slow body error through", async () => {
    const dashboard = async (req: IncomingMessage, res: ServerResponse) => {
      await readBody(req, 1024);
      res.writeHead(200).end();
    };
    const { port } = await start({ dashboard, bodyRateGraceMs: 100, bodyMinBytesPerSecond: 1024 });
    const client = slowClient(port, {
      head: "POST /dashboard/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n",
    });
    expect((await client.answer).status).toBe(408);
  });
});

describe("the GitLab hook under a slow body", () => {
  it("holds a body whose token was accepted to the server's pace, cutting a trickle with 408", async () => {
    const db = await openDatabase({});
    try {
      const gitlab = createGitlabWebhook({
        store: new Store(db),
        queue: new MemoryQueue(),
        logger: pino({ level: "silent" }),
        secrets: [{ scope: null, secret: "gl-secret" }],
      });
      const { port } = await start({ gitlab, bodyRateGraceMs: 100, bodyMinBytesPerSecond: 1024 });
      const head =
        "POST /api/gitlab/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Gitlab-Event: Job Hook\r\nX-Gitlab-Token: gl-secret\r\nContent-Length: 100000\r\n\r\n";
      const answer = await slowClient(port, { head }).answer;
      expect(answer.status).toBe(408);
      expect(answer.text).toContain("the request body arrived too slowly");
    } finally {
      await db.close();
    }
  });
});

describe("slow headers and idle connections", () => {
  it("answers 408 and closes a connection whose headers trickle past the headers timeout", async () => {
    const { port } = await start({ headersTimeoutMs: 300 });
    const socket = connect({ port, host: "127.0.0.1" });
    socket.write(`POST ${GITHUB} HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
    const trickle = setInterval(() => socket.writable && socket.write("X-Slow: 1\r\n"), 50);
    let text = "";
    socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
    socket.on("error", () => {});
    await new Promise((r) => socket.on("close", r));
    clearInterval(trickle);
    expect(text).toMatch(/^HTTP\/1\.1 408/);
  });

  it("keeps serving a keep-alive connection that idled longer than the headers timeout", async () => {
    const { port } = await start({ headersTimeoutMs: 200 });
    const socket = connect({ port, host: "127.0.0.1" });
    let text = "";
    socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
    const get = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    socket.write(get);
    await until(() => (text.match(/HTTP\/1\.1 200/g) ?? []).length === 1);
    await new Promise((r) => setTimeout(r, 1200));
    socket.write(get);
    await until(() => (text.match(/HTTP\/1\.1 200/g) ?? []).length === 2 || socket.destroyed);
    expect(text.match(/HTTP\/1\.1 200/g)).toHaveLength(2);
    socket.destroy();
  });
});
