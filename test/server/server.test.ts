import { createHmac, generateKeyPairSync } from "node:crypto";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFromEnv } from "../../src/main.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as Array<{
  name: string;
  examples: unknown[];
}>;
const workflowJob = examples.find((e) => e.name === "workflow_job")?.examples[0];
const SECRET = "test-webhook-secret";

function sign(body: string): string {
  return "sha256=" + createHmac("sha256", SECRET).update(body).digest("hex");
}

describe("the server on embedded defaults", () => {
  let server: Awaited<ReturnType<typeof startFromEnv>>;
  beforeAll(async () => {
    server = await startFromEnv({ PORT: "0", LOG_LEVEL: "silent", SENTINEL_DATA_DIR: ":memory:" });
  });
  afterAll(() => server.close());

  it("refuses to start with a delivery retention that is not a whole number of days, and says what it wants", async () => {
    await expect(
      startFromEnv({ PORT: "0", SENTINEL_DATA_DIR: ":memory:", SENTINEL_DELIVERY_RETENTION_DAYS: "a month" }),
    ).rejects.toThrow(
      'SENTINEL_DELIVERY_RETENTION_DAYS must be a whole number of days (0 keeps deliveries forever), not "a month"',
    );
  });

  it("serves /healthz without any GitHub App, Redis or PostgreSQL", async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok" });
  });

  it("says GitHub webhooks are off instead of failing silently", async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/api/github/webhooks`, { method: "POST", body: "{}" });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toMatch(/APP_ID/);
  });

  it("reports its mode on the index page", async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(((await res.json()) as { mode: unknown }).mode).toEqual({
      role: "all",
      github: "off",
      gitlab: "off",
      slack: "off",
      queue: "in-process",
      store: "pglite",
    });
  });
});

describe("the server as a GitHub App (Probot)", () => {
  let server: Awaited<ReturnType<typeof startFromEnv>>;
  beforeAll(async () => {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    server = await startFromEnv({
      PORT: "0",
      LOG_LEVEL: "silent",
      SENTINEL_DATA_DIR: ":memory:",
      APP_ID: "1",
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
    });
  });
  afterAll(() => server.close());

  async function deliver(body: string, signature: string) {
    return fetch(`http://127.0.0.1:${server.port}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "workflow_job",
        "x-github-delivery": "d-1",
        "x-hub-signature-256": signature,
      },
      body,
    });
  }

  it("accepts a correctly signed real workflow_job delivery", async () => {
    const body = JSON.stringify(workflowJob);
    expect((await deliver(body, sign(body))).status).toBe(200);
  });

  it("rejects a delivery with a wrong signature", async () => {
    const body = JSON.stringify(workflowJob);
    const res = await deliver(body, sign(body + "tampered"));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});
