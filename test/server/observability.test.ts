import { createServer, connect, type Server, type Socket } from "node:net";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { startFromEnv } from "../../src/main.js";
import { actionsLog, fakeGithub } from "../support/github-api.js";
import { deliverGithub, failedWorkflowJob, TEST_PRIVATE_KEY } from "../support/github-webhooks.js";
import { runningApp } from "../support/running-app.js";
import { freshPostgres, REDIS_URL, SERVICE_STACKS, postgresAvailable, redisAvailable } from "../support/services.js";

const SECRET = "observability-secret";
const INSTALLATION = 8181;
const REPO = "Codertocat/Hello-World";

/** One metric's value from a Prometheus text exposition, by name and labels. */
function metric(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) continue;
    const labelPart = /\{([^}]*)\}/.exec(line)?.[1] ?? "";
    if (want.every((w) => labelPart.split(",").includes(w))) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

for (const stack of SERVICE_STACKS) {
  describe.skipIf(!stack.available)(`metrics and logs, on ${stack.name}`, () => {
    const logs: string[] = [];
    const logStream = new PassThrough();
    logStream.on("data", (c: Buffer) => logs.push(...c.toString().split("\n").filter(Boolean)));
    const running = runningApp(
      { APP_ID: "1", PRIVATE_KEY: TEST_PRIVATE_KEY, WEBHOOK_SECRET: SECRET, LOG_LEVEL: "info" },
      stack,
      { logStream },
    );
    const scrape = async () => {
      const res = await fetch(`http://127.0.0.1:${running.app.port}/metrics`);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      return res.text();
    };

    it("counts accepted, duplicate and refused deliveries, times the answers, and counts the diagnosis by category", async () => {
      fakeGithub({
        repo: REPO,
        installationId: INSTALLATION,
        logs: {
          "7101": actionsLog(
            "npx tsc --noEmit",
            "src/a.ts(1,7): error TS2322: Type 'string' is not assignable to type 'number'.\n",
          ),
        },
      });
      const job = failedWorkflowJob({
        installation: INSTALLATION,
        repo: REPO,
        remote: "https://example.invalid/x.git",
        sha: "c".repeat(40),
        jobId: 7101,
        name: "typecheck",
      });
      expect((await deliverGithub(running.app.port, SECRET, "workflow_job", job, `obs-${stack.name}-1`)).status).toBe(
        200,
      );
      expect((await deliverGithub(running.app.port, SECRET, "workflow_job", job, `obs-${stack.name}-1`)).status).toBe(
        200,
      );
      expect(
        (await deliverGithub(running.app.port, "wrong-secret", "workflow_job", job, `obs-${stack.name}-2`)).status,
      ).toBe(401);
      await running.app.queue.idle(30_000);

      const text = await scrape();
      expect(metric(text, "sentinel_webhooks_received_total", { forge: "github", event: "workflow_job" })).toBe(2);
      expect(metric(text, "sentinel_webhooks_duplicate_total", { forge: "github" })).toBe(1);
      expect(metric(text, "sentinel_webhooks_rejected_total", { forge: "github", reason: "signature" })).toBe(1);
      expect(metric(text, "sentinel_webhook_ack_seconds_count", { forge: "github" })).toBe(3);
      expect(metric(text, "sentinel_diagnoses_total", { forge: "github", category: "typecheck" })).toBe(1);
      expect(
        metric(text, "sentinel_job_seconds_count", { job: "delivery", outcome: "completed" }),
      ).toBeGreaterThanOrEqual(1);
      expect(metric(text, "sentinel_queue_wait_seconds_count", { job: "diagnose" })).toBe(1);
      for (const state of ["waiting", "active", "delayed", "failed"])
        expect(metric(text, "sentinel_queue_jobs", { state })).toBe(0);
      expect(text).toContain("sentinel_process_resident_memory_bytes");
    });

    it("logs what it does with the delivery's key, the failure and the repository on each line", async () => {
      const diagnosed = logs
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === "failure diagnosed");
      expect(diagnosed).toMatchObject({
        failure: expect.stringMatching(/^github:\d+:job:7101$/),
        repo: REPO,
        category: "typecheck",
      });
      const duplicate = logs
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === "duplicate delivery ignored");
      expect(duplicate).toMatchObject({ delivery: `github:obs-${stack.name}-1` });
      // Never the signature or the secret.
      expect(logs.join("\n")).not.toContain(SECRET);
    });
  });
}

/** A TCP relay to a real service that the test can cut and restore, as a network fault would. */
function relay(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  const open = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("error", () => {});
          s.on("close", () => sockets.delete(s));
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, "127.0.0.1", () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server!.close(() => resolve());
    });
  return {
    open,
    cut,
    get port() {
      return port;
    },
  };
}

describe.skipIf(!(postgresAvailable && redisAvailable))("readiness", () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it("answers 503 naming the database and the queue while they are unreachable, and 200 again when they are back; /healthz stays 200", async () => {
    const pg = await freshPostgres();
    cleanup.push(pg.drop);
    const pgUrl = new URL(pg.url);
    const redisUrl = new URL(REDIS_URL);
    const pgRelay = relay({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    const redisRelay = relay({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
    await pgRelay.open();
    await redisRelay.open();
    pgUrl.port = String(pgRelay.port);
    redisUrl.port = String(redisRelay.port);
    const app = await startFromEnv({
      PORT: "0",
      LOG_LEVEL: "silent",
      DATABASE_URL: pgUrl.toString(),
      REDIS_URL: redisUrl.toString(),
      SENTINEL_QUEUE_PREFIX: `obs-${Date.now()}`,
    });
    cleanup.push(async () => {
      await Promise.race([app.close(), new Promise((r) => setTimeout(r, 10_000))]);
    });
    const ready = async () => {
      const res = await fetch(`http://127.0.0.1:${app.port}/readyz`);
      return { status: res.status, body: (await res.json()) as { failures: Record<string, string> } };
    };
    expect((await ready()).status).toBe(200);

    await pgRelay.cut();
    await redisRelay.cut();
    const down = await ready();
    expect(down.status).toBe(503);
    expect(Object.keys(down.body.failures).sort()).toEqual(["database", "queue"]);
    expect((await fetch(`http://127.0.0.1:${app.port}/healthz`)).status).toBe(200);

    await pgRelay.open();
    await redisRelay.open();
    let back = await ready();
    for (let i = 0; i < 50 && back.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      back = await ready();
    }
    expect(back.status).toBe(200);
  });
});
