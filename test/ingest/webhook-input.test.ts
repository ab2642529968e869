import { createHmac } from "node:crypto";
import net from "node:net";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFromEnv, type Running } from "../../src/main.js";
import { failedWorkflowJob, TEST_PRIVATE_KEY } from "../support/github-webhooks.js";

const SECRET = "webhook-input-secret";
const GITLAB_SECRET = "webhook-input-gitlab";
const sign = (body: string | Buffer) => "sha256=" + createHmac("sha256", SECRET).update(body).digest("hex");
/** A completed job (an event Sentinel records) carrying JSON nested `depth` levels deep. */
const deep = (depth: number) =>
  `{"action":"completed","installation":{"id":1},"a":${"[".repeat(depth)}${"]".repeat(depth)}}`;

/** Writes raw bytes on a socket of its own; resolves with the answer's status line, or how the connection ended without one. */
function rawRequest(
  port: number,
  head: string,
  body: { bytes: number; chunked: boolean } | null,
  hangUp = false,
): Promise<{ status: number | null; ended: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (d) => (received += d.toString("latin1")));
    const status = () => Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? NaN) || null;
    socket.on("error", (e: NodeJS.ErrnoException) => resolve({ status: status(), ended: e.code ?? "error" }));
    socket.on("close", () => resolve({ status: status(), ended: "closed" }));
    socket.on("connect", () => {
      socket.write(head);
      if (hangUp) return void socket.destroy();
      if (!body) return;
      const mb = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const pump = (): void => {
        while (sent < body.bytes && !received && !socket.destroyed) {
          sent += mb.length;
          if (body.chunked) {
            socket.write(`${mb.length.toString(16)}\r\n`);
            socket.write(mb);
          }
          const ok = socket.write(body.chunked ? "\r\n" : mb);
          if (!ok) return void socket.once("drain", pump);
        }
      };
      pump();
    });
  });
}

describe("what the webhook endpoints answer to bad input", () => {
  const logs: string[] = [];
  let app: Running;
  beforeAll(async () => {
    const stream = new PassThrough();
    stream.on("data", (d: Buffer) => logs.push(d.toString()));
    app = await startFromEnv(
      {
        PORT: "0",
        LOG_LEVEL: "debug",
        SENTINEL_DATA_DIR: ":memory:",
        APP_ID: "1",
        PRIVATE_KEY: TEST_PRIVATE_KEY,
        WEBHOOK_SECRET: SECRET,
        GITLAB_WEBHOOK_SECRET: GITLAB_SECRET,
      },
      { logStream: stream },
    );
  });
  afterAll(() => app.close());

  const github = (body: string | Buffer, headers: Record<string, string | undefined> = {}) => {
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries({
      "content-type": "application/json",
      "x-github-event": "workflow_job",
      "x-github-delivery": `d-${Math.random()}`,
      "x-hub-signature-256": sign(body),
      ...headers,
    }))
      if (v !== undefined) h[k] = v;
    return fetch(`http://127.0.0.1:${app.port}/api/github/webhooks`, { method: "POST", headers: h, body });
  };
  const gitlab = (body: string, key: string) =>
    fetch(`http://127.0.0.1:${app.port}/api/gitlab/webhook`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-gitlab-event": "Job Hook",
        "x-gitlab-token": GITLAB_SECRET,
        "idempotency-key": key,
      },
      body,
    });
  const job = JSON.stringify(
    failedWorkflowJob({
      installation: 9,
      repo: "octo/app",
      remote: "https://example.invalid/octo/app.git",
      sha: "a".repeat(40),
      jobId: 77,
    }),
  );

  it("records a verified delivery once however many copies arrive together", async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => github(job, { "x-github-delivery": "same-id" })));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(await app.store.deliveries.get("github:same-id")).toMatchObject({
      event: "workflow_job",
      payload: JSON.parse(job),
    });
  });

  it.each([
    ["a JSON value that is not an object", "[1,2]", {}, 400],
    ["a body that is not JSON", "{nope", {}, 400],
    ["a delivery id no GitHub delivery has", job, { "x-github-delivery": "x".repeat(201) }, 400],
    ["an event name that is a property of every object", job, { "x-github-event": "constructor" }, 400],
    ["an event name that is not one", job, { "x-github-event": "__proto__" }, 400],
    ["an empty event name", job, { "x-github-event": "" }, 400],
    ["no delivery id", job, { "x-github-delivery": undefined }, 400],
    ["a Content-Type that is not JSON", job, { "content-type": "text/plain" }, 415],
  ] as const)("refuses %s with %s, having checked the signature", async (_what, body, headers, status) => {
    const res = await github(body, headers);
    expect(res.status).toBe(status);
  });

  it("refuses JSON nested deeper than it can store with 400 on both endpoints, and stays up", async () => {
    expect((await github(deep(20_000), { "x-github-delivery": "too-deep" })).status).toBe(400);
    expect(await app.store.deliveries.get("github:too-deep")).toBeNull();
    expect((await gitlab(deep(20_000), "gl-too-deep")).status).toBe(400);
    expect(await app.store.deliveries.get("gitlab:gl-too-deep")).toBeNull();
    expect((await github(job, { "x-github-delivery": "after-deep" })).status).toBe(200);
  });

  it.each([
    ["declared", false],
    ["chunked", true],
  ])(
    "answers a %s body over 25 MB with 413 while the client is still sending it, then closes the connection",
    async (_how, chunked) => {
      for (const path of ["/api/github/webhooks", "/api/gitlab/webhook"]) {
        const headers = `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Hub-Signature-256: ${sign("{}")}\r\nX-GitHub-Event: workflow_job\r\nX-GitHub-Delivery: big\r\nX-Gitlab-Token: ${GITLAB_SECRET}\r\nX-Gitlab-Event: Job Hook\r\n`;
        const head =
          headers + (chunked ? "Transfer-Encoding: chunked\r\n\r\n" : `Content-Length: ${40 * 1024 * 1024}\r\n\r\n`);
        expect(await rawRequest(app.port, head, { bytes: 40 * 1024 * 1024, chunked })).toEqual({
          status: 413,
          ended: "closed",
        });
      }
    },
  );

  it("shrugs off a client that hangs up mid-body: no error logged, still healthy", async () => {
    const before = logs.length;
    const head = `POST /api/gitlab/webhook HTTP/1.1\r\nHost: x\r\nX-Gitlab-Token: ${GITLAB_SECRET}\r\nX-Gitlab-Event: Job Hook\r\nContent-Length: 1000\r\n\r\n{"object_kind":`;
    expect(await rawRequest(app.port, head, null, true)).toMatchObject({ status: null });
    expect((await fetch(`http://127.0.0.1:${app.port}/healthz`)).status).toBe(200);
    // The server says (at debug level) that it saw the hang-up; by then any error would be logged too.
    while (!logs.slice(before).some((l) => l.includes("client closed the connection mid-request")))
      await new Promise((r) => setTimeout(r, 10));
    expect(logs.slice(before).filter((l) => l.includes('"level":50'))).toEqual([]);
  });
});
