import type { Server } from "node:http";
import { randomBytes } from "node:crypto";
import { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDashboard, type Dashboard } from "../../src/dashboard/index.js";
import { MemoryLiveFeed, RedisLiveFeed, type LiveFeed } from "../../src/live/index.js";
import { startFromEnv, type Running } from "../../src/main.js";
import { MemoryQueue } from "../../src/queue/index.js";
import { createHttpServer } from "../../src/server/index.js";
import { openDatabase, RunStore, Store } from "../../src/store/index.js";
import { REDIS_URL, redisAvailable } from "../support/services.js";
import { fakeClock, seedDashboard, XSS, type Seeded } from "./seed-dashboard.js";
import { openStream, until } from "./sse-client.js";

const TOKEN = "dashboard-test-token-" + "0123456789abcdef".repeat(2);
const HTML = { accept: "text/html,application/xhtml+xml" };
const BEARER = { authorization: `Bearer ${TOKEN}` };

async function login(base: string, extra: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/dashboard/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", ...extra },
    body: new URLSearchParams({ token: TOKEN, next: "/dashboard/runs" }).toString(),
  });
}

function cookieOf(res: Response): string {
  const set = res.headers.get("set-cookie") ?? "";
  return set.split(";")[0] as string;
}

describe("the dashboard, started from the environment (embedded defaults)", () => {
  let app: Running;
  let base: string;
  let seeded: Seeded;
  beforeAll(async () => {
    app = await startFromEnv({
      PORT: "0",
      LOG_LEVEL: "silent",
      SENTINEL_DATA_DIR: ":memory:",
      SENTINEL_DASHBOARD_TOKEN: TOKEN,
    });
    base = `http://127.0.0.1:${app.port}`;
    seeded = await seedDashboard(app.store, fakeClock);
  });
  afterAll(() => app?.close());

  it("asks a browser for the token at /dashboard, with strict security headers", async () => {
    const res = await fetch(`${base}/dashboard`, { headers: HTML });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('action="/dashboard/login"');
    expect(body).not.toContain("acme/web");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    // No inline script anywhere: the only script is the file.
    expect(body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it("redirects browsers to the login form and answers scripts 401 without a session", async () => {
    const page = await fetch(`${base}/dashboard/runs?status=running`, { headers: HTML, redirect: "manual" });
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/dashboard/login?next=%2Fdashboard%2Fruns%3Fstatus%3Drunning");
    const api = await fetch(`${base}/dashboard/api/runs`);
    expect(api.status).toBe(401);
    expect(api.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const live = await fetch(`${base}/dashboard/runs/${seeded.runningRunId}/live`);
    expect(live.status).toBe(401);
    const wrongBearer = await fetch(`${base}/dashboard/api/runs`, {
      headers: { authorization: "Bearer not-the-token" },
    });
    expect(wrongBearer.status).toBe(401);
  });

  it("logs in through the form: an HttpOnly, SameSite=Strict cookie that is not the token, then the page it was going to", async () => {
    const res = await login(base);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/dashboard/runs");
    const set = res.headers.get("set-cookie") ?? "";
    expect(set).toMatch(/^sentinel_dashboard=v1\./);
    expect(set).toContain("HttpOnly");
    expect(set).toContain("SameSite=Strict");
    expect(set).toContain("Path=/dashboard");
    expect(set).not.toContain("Secure");
    expect(set).not.toContain(TOKEN);
    const runs = await fetch(`${base}/dashboard/runs`, { headers: { ...HTML, cookie: cookieOf(res) } });
    expect(runs.status).toBe(200);
    const body = await runs.text();
    expect(body).toContain(seeded.finishedRunId);
    expect(body).toContain(seeded.runningRunId);
  });

  it("marks the cookie Secure when the request came through an https proxy", async () => {
    const res = await login(base, { "x-forwarded-proto": "https" });
    expect(res.headers.get("set-cookie")).toContain("Secure");
  });

  it("refuses a wrong token and a cross-site login form", async () => {
    const wrong = await fetch(`${base}/dashboard/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "token=nope",
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(await wrong.text()).toContain("That is not the dashboard token.");
    const crossSite = await login(base, { origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get("set-cookie")).toBeNull();
  });

  it("does not redirect off the dashboard after login", async () => {
    const res = await fetch(`${base}/dashboard/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: TOKEN, next: "//evil.example/dashboard" }).toString(),
    });
    expect(res.headers.get("location")).toBe("/dashboard");
  });

  it("shows failures with diagnosis, evidence and job links, escaping hostile log lines and forge data", async () => {
    const cookie = cookieOf(await login(base));
    const body = await (await fetch(`${base}/dashboard`, { headers: { ...HTML, cookie } })).text();
    expect(body).toContain("typecheck failure (tsc)");
    expect(body).toContain('href="https://github.com/acme/web/actions/runs/555/job/f-tsc"');
    expect(body).toContain("evidence (4 lines)");
    expect(body).toContain("&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;");
    expect(body).not.toContain(XSS);
    expect(body).not.toContain("<script>window");
    expect(body).not.toContain("javascript:");
    expect(body).toContain('id="category-chart"');
  });

  it("answers scripts with a bearer token and JSON", async () => {
    const overview = (await (await fetch(`${base}/dashboard/api/overview`, { headers: BEARER })).json()) as {
      totals: { failures24h: number; runsRunning: number; openPullRequests: number };
      failures: Array<{ failureKey: string; diagnosis: { category: string } | null }>;
      chart: { days: string[]; counts: Record<string, Record<string, number>> };
    };
    expect(overview.totals).toMatchObject({ runsRunning: 1, openPullRequests: 1 });
    expect(overview.failures.map((f) => f.failureKey)).toEqual(expect.arrayContaining(["f-tsc", "f-npm", "f-hostile"]));
    expect(overview.chart.days).toHaveLength(14);
    const perCategory: Record<string, number> = {};
    for (const day of Object.values(overview.chart.counts))
      for (const [c, n] of Object.entries(day)) perCategory[c] = (perCategory[c] ?? 0) + n;
    // The 30-day-old failure is outside the chart; the hostile one has no diagnosis yet.
    expect(perCategory).toEqual({ typecheck: 1, dependency: 1, lint: 2, pending: 1 });

    const run = (await (
      await fetch(`${base}/dashboard/api/runs/${seeded.finishedRunId}`, { headers: BEARER })
    ).json()) as { timeline: Array<{ label: string; ms: number }> };
    expect(run.timeline.map((s) => [s.label, s.ms / 1000])).toEqual([
      ["BOOTSTRAP", 5],
      ["PREFLIGHT", 35],
      ["PLAN", 30],
      ["EXECUTE", 230],
      ["VERIFY", 120],
      ["PACKAGE", 60],
      ["REPORT", 60],
    ]);
    const prs = (await (await fetch(`${base}/dashboard/api/pull-requests`, { headers: BEARER })).json()) as {
      pullRequests: Array<{ number: number }>;
    };
    expect(prs.pullRequests.map((p) => p.number)).toEqual([7]);
    const agents = (await (await fetch(`${base}/dashboard/api/agents`, { headers: BEARER })).json()) as {
      tiers: Array<{ repo: string; agentId: string; tier: number; revoked: boolean }>;
      changes: unknown[];
    };
    expect(agents.tiers.map((t) => `${t.repo}/${t.agentId}:${t.revoked ? "revoked" : t.tier}`)).toEqual([
      "acme/api/eslint-fix:revoked",
      "acme/web/prettier:2",
      "acme/web/tsc-fixer:1",
    ]);
    expect(agents.changes.length).toBeGreaterThanOrEqual(2);
    const queue = (await (await fetch(`${base}/dashboard/api/queue`, { headers: BEARER })).json()) as {
      kind: string;
      depth: number;
    };
    expect(queue).toMatchObject({ kind: "in-process", depth: 0 });
  });

  it("is read-only: every method but GET and HEAD is refused, even with a valid token", async () => {
    for (const [method, path] of [
      ["POST", "/dashboard/runs"],
      ["PUT", "/dashboard/api/runs"],
      ["DELETE", `/dashboard/runs/${seeded.finishedRunId}`],
      ["PATCH", "/dashboard"],
      ["PUT", "/dashboard/queues/api/queues/sentinel/pause"],
    ] as const) {
      const res = await fetch(`${base}${path}`, { method, headers: BEARER, body: "{}" });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get("allow")).toBe("GET, HEAD");
    }
    const head = await fetch(`${base}/dashboard/agents`, { method: "HEAD", headers: BEARER });
    expect(head.status).toBe(200);
  });

  it("serves its script and stylesheet as files anyone may fetch (they hold no data)", async () => {
    const page = await (await fetch(`${base}/dashboard`, { headers: HTML })).text();
    const src = /<script src="([^"]+)"/.exec(page)?.[1] as string;
    expect(src).toMatch(/^\/dashboard\/static\/dashboard\.js\?v=[0-9a-f]{12}$/);
    const js = await fetch(`${base}${src}`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await js.text()).toContain("EventSource");
    expect(js.headers.get("content-security-policy")).toContain("default-src 'none'");
  });

  it("shows the in-process queue's depth when there is no Redis", async () => {
    const res = await fetch(`${base}/dashboard/queues`, { headers: { ...HTML, ...BEARER } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('id="queue-depth"');
  });

  it("answers 404 for an unknown run and logs out by clearing the cookie", async () => {
    expect((await fetch(`${base}/dashboard/runs/run_nope`, { headers: BEARER })).status).toBe(404);
    expect((await fetch(`${base}/dashboard/runs/%E0%A4%A/live`, { headers: BEARER })).status).toBe(404);
    const out = await fetch(`${base}/dashboard/logout`, {
      method: "POST",
      redirect: "manual",
      headers: { origin: base },
    });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
  });
});

/** A feed that counts open subscriptions, to see that a closed stream leaves none behind. */
function countingFeed(inner: LiveFeed): { feed: LiveFeed; active: () => number } {
  let active = 0;
  return {
    active: () => active,
    feed: {
      kind: inner.kind,
      publish: (runId, event) => inner.publish(runId, event),
      subscribe(runId, listener, afterId) {
        active++;
        const stop = inner.subscribe(runId, listener, afterId);
        let stopped = false;
        return () => {
          if (!stopped) active--;
          stopped = true;
          stop();
        };
      },
      close: () => inner.close(),
    },
  };
}

describe("the live view (server-sent events), through createDashboard", () => {
  let server: Server;
  let base: string;
  let dashboard: Dashboard;
  let seeded: Seeded;
  let store: Store;
  const memory = new MemoryLiveFeed();
  const counted = countingFeed(memory);
  beforeAll(async () => {
    const db = await openDatabase({});
    store = new Store(db);
    seeded = await seedDashboard(store, fakeClock);
    const logger = pino({ level: "silent" });
    dashboard = createDashboard({
      store,
      queue: new MemoryQueue(),
      logger,
      live: counted.feed,
      token: TOKEN,
      liveOptions: { heartbeatMs: 100, quietCloseMs: 300 },
    });
    server = createHttpServer({ logger, version: "test", mode: {}, dashboard });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await dashboard?.close();
    await new Promise<void>((r) => server.close(() => r()));
    await store?.db.close();
  });

  it("replays a running run's lines, follows new ones with ids, sends heartbeats, and ends with the run", async () => {
    const run = seeded.runningRunId;
    memory.publish(run, { kind: "phase", phase: "EXECUTE" });
    memory.publish(run, { kind: "line", step: "install", lineNumber: 1, text: `npm install ${XSS}` });
    const stream = await openStream(`${base}/dashboard/runs/${run}/live`, BEARER);
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(stream.res.headers.get("cache-control")).toBe("no-store");
    expect(stream.res.headers.get("x-accel-buffering")).toBe("no");
    await until(() => stream.events.length === 2, "the replayed events");
    memory.publish(run, {
      kind: "line",
      step: "install",
      lineNumber: 2,
      text: "npm error code E404",
      finding: { classification: "Error", category: "dependency", severity: "error", ruleId: "npm/code" },
    });
    await until(() => stream.events.length === 3, "a new line");
    expect(stream.events.map((e) => [e.id, e.event])).toEqual([
      ["1", "phase"],
      ["2", "line"],
      ["3", "line"],
    ]);
    expect(JSON.parse(stream.events[1]!.data)).toMatchObject({ kind: "line", text: `npm install ${XSS}` });
    expect(JSON.parse(stream.events[2]!.data)).toMatchObject({ finding: { category: "dependency" } });
    await until(() => stream.comments.includes("keepalive"), "a heartbeat");

    // A reconnecting EventSource sends the last id it saw and gets only what came after.
    const resumed = await openStream(`${base}/dashboard/runs/${run}/live`, { ...BEARER, "last-event-id": "2" });
    await until(() => resumed.events.length === 1, "the event after Last-Event-ID");
    expect(resumed.events[0]!.id).toBe("3");

    memory.publish(run, { kind: "end", status: "proposed", reason: "opened pull request #8" });
    await stream.done;
    await resumed.done;
    expect(stream.events.at(-1)).toMatchObject({ event: "end", id: "4" });
    await until(() => counted.active() === 0, "every subscription to be released");
  });

  it("releases the subscription when the viewer goes away", async () => {
    await new RunStore(store.db).startRun({
      runId: "run_walked_away",
      runKey: "k2",
      forge: "github",
      repo: "acme/web",
      fingerprint: "f2",
    });
    const stream = await openStream(`${base}/dashboard/runs/run_walked_away/live`, BEARER);
    await until(() => counted.active() === 1, "the subscription");
    stream.abort();
    await until(() => counted.active() === 0, "the subscription to be released");
  });

  it("tells a reconnect to a finished run to stop (204), and closes a replay of one when it goes quiet", async () => {
    const run = seeded.finishedRunId;
    memory.publish(run, { kind: "line", step: "fix-types", lineNumber: 1, text: "done" });
    const reconnect = await fetch(`${base}/dashboard/runs/${run}/live`, {
      headers: { ...BEARER, "last-event-id": "1" },
    });
    expect(reconnect.status).toBe(204);
    const replay = await openStream(`${base}/dashboard/runs/${run}/live`, BEARER);
    await replay.done;
    expect(replay.events.map((e) => e.event)).toEqual(["line"]);
  });

  it("ignores a Last-Event-ID that no feed issued and 404s an unknown run", async () => {
    memory.publish("run_other", { kind: "line", step: "s", lineNumber: 1, text: "x" });
    await new RunStore(store.db).startRun({
      runId: "run_other",
      runKey: "k3",
      forge: "github",
      repo: "acme/web",
      fingerprint: "f3",
    });
    const s = await openStream(`${base}/dashboard/runs/run_other/live`, {
      ...BEARER,
      "last-event-id": "0; DROP TABLE",
    });
    await until(() => s.events.length === 1, "the replay from the start");
    s.abort();
    expect((await fetch(`${base}/dashboard/runs/run_unknown/live`, { headers: BEARER })).status).toBe(404);
  });

  it("locks the login form for an address after ten wrong tokens", async () => {
    let last: Response | null = null;
    for (let i = 0; i < 11; i++)
      last = await fetch(`${base}/dashboard/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "token=wrong",
      });
    expect(last?.status).toBe(429);
    expect(Number(last?.headers.get("retry-after"))).toBeGreaterThan(0);
    // Scripts with the bearer token are not locked out.
    expect((await fetch(`${base}/dashboard/api/agents`, { headers: BEARER })).status).toBe(200);
  });
});

describe.skipIf(!redisAvailable)("the dashboard on Redis: Bull Board and the live feed across processes", () => {
  const prefix = `sentinel-dash-${randomBytes(4).toString("hex")}`;
  let app: Running;
  let base: string;
  let seeded: Seeded;
  let probe: Queue;
  beforeAll(async () => {
    app = await startFromEnv({
      PORT: "0",
      LOG_LEVEL: "silent",
      SENTINEL_DATA_DIR: ":memory:",
      SENTINEL_DASHBOARD_TOKEN: TOKEN,
      REDIS_URL,
      SENTINEL_QUEUE_PREFIX: prefix,
    });
    base = `http://127.0.0.1:${app.port}`;
    seeded = await seedDashboard(app.store, fakeClock);
    // A delayed job the worker will not take before the test looks at it.
    probe = new Queue("sentinel", {
      connection: { host: new URL(REDIS_URL).hostname, port: Number(new URL(REDIS_URL).port || 6379) },
      prefix,
    });
    await probe.add("delivery", { deliveryKey: "dashboard-probe" }, { jobId: "dashboard-probe", delay: 3_600_000 });
  });
  afterAll(async () => {
    await probe?.obliterate({ force: true }).catch(() => {});
    await probe?.close();
    await app?.close();
  });

  it("mounts Bull Board read-only at /dashboard/queues, behind the dashboard's auth", async () => {
    expect((await fetch(`${base}/dashboard/queues/api/queues`)).status).toBe(401);
    const page = await fetch(`${base}/dashboard/queues`, { headers: { ...HTML, ...BEARER } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<base href="/dashboard/queues/"');
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(page.headers.get("content-security-policy")).not.toMatch(/script-src[^;]*unsafe/);
    const api = await fetch(`${base}/dashboard/queues/api/queues?activeQueue=sentinel&status=delayed&page=1`, {
      headers: BEARER,
    });
    expect(api.status).toBe(200);
    const body = (await api.json()) as {
      queues: Array<{
        name: string;
        readOnlyMode: boolean;
        counts: Record<string, number>;
        jobs: Array<{ id: string }>;
      }>;
    };
    const q = body.queues.find((x) => x.name === "sentinel");
    expect(q).toMatchObject({ readOnlyMode: true });
    expect(q?.counts.delayed).toBeGreaterThanOrEqual(1);
    expect(q?.jobs.map((j) => j.id)).toContain("dashboard-probe");
    // The board's own mutating routes never run.
    expect(
      (await fetch(`${base}/dashboard/queues/api/queues/sentinel/pause`, { method: "PUT", headers: BEARER })).status,
    ).toBe(405);
    expect(await probe.isPaused()).toBe(false);
  });

  it("streams a run's lines published by another process through Redis", async () => {
    const publisher = new RedisLiveFeed(REDIS_URL, prefix);
    try {
      publisher.publish(seeded.runningRunId, {
        kind: "line",
        step: "install",
        lineNumber: 1,
        text: "from a worker process",
      });
      const stream = await openStream(`${base}/dashboard/runs/${seeded.runningRunId}/live`, BEARER);
      await until(() => stream.events.length === 1, "the line from Redis");
      expect(stream.events[0]!.id).toMatch(/^\d+-\d+$/);
      publisher.publish(seeded.runningRunId, { kind: "end", status: "proposed", reason: "done" });
      await stream.done;
      expect(stream.events.map((e) => e.event)).toEqual(["line", "end"]);
    } finally {
      await publisher.close();
    }
  });
});
