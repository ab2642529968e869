import { mkdtempSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { Queue } from "bullmq";
import { pino } from "pino";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { categoryColour } from "../../src/dashboard/category-chart.js";
import { createDashboard, type Dashboard } from "../../src/dashboard/index.js";
import { MemoryLiveFeed, RedisLiveFeed } from "../../src/live/index.js";
import { startFromEnv, type Running } from "../../src/main.js";
import { MemoryQueue } from "../../src/queue/index.js";
import { createHttpServer } from "../../src/server/index.js";
import { openDatabase, Store } from "../../src/store/index.js";
import { REDIS_URL, redisAvailable } from "../support/services.js";
import { chromiumAvailable, launchChromium } from "./chromium.js";
import { decodePng, pixelStats } from "./png-pixels.js";
import { fakeClock, seedDashboard, XSS, type Seeded } from "./seed-dashboard.js";

const TOKEN = "browser-test-token-" + "fedcba9876543210".repeat(2);
const SHOTS = mkdtempSync(path.join(tmpdir(), "sentinel-dashboard-"));

/** Console errors and uncaught exceptions of a page: a CSP violation or a script error shows here. */
function watch(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  // An alert() from injected markup would open a dialog: fail loudly instead of waiting on it.
  page.on("dialog", (d) => {
    errors.push(`dialog opened: ${d.message()}`);
    void d.dismiss();
  });
  return errors;
}

async function loginThroughForm(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/dashboard`);
  await page.fill("#token", "not-the-token");
  await page.click("button[type=submit]");
  await page.locator(".error").waitFor();
  expect(await page.locator(".error").textContent()).toBe("That is not the dashboard token.");
  await page.fill("#token", TOKEN);
  await Promise.all([page.waitForURL(`${base}/dashboard`), page.click("button[type=submit]")]);
  await page.locator("#failures").waitFor();
}

async function noXss(page: Page): Promise<void> {
  expect(await page.evaluate("typeof window.__xss")).toBe("undefined");
  expect(await page.locator("img").count()).toBe(0);
}

describe.skipIf(!chromiumAvailable)("the dashboard in headless Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
    console.log(`dashboard screenshots: ${SHOTS}`);
  });
  afterAll(() => browser?.close());

  describe("Sentinel started from the environment (embedded defaults)", () => {
    let app: Running;
    let base: string;
    let seeded: Seeded;
    let context: BrowserContext;
    let page: Page;
    let errors: string[];
    beforeAll(async () => {
      app = await startFromEnv({
        PORT: "0",
        LOG_LEVEL: "silent",
        SENTINEL_DATA_DIR: ":memory:",
        SENTINEL_DASHBOARD_TOKEN: TOKEN,
      });
      base = `http://127.0.0.1:${app.port}`;
      seeded = await seedDashboard(app.store, fakeClock);
      context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
      page = await context.newPage();
      await loginThroughForm(page, base);
      // Watched from here: the wrong-token attempt above is a 401 the console reports, on purpose.
      errors = watch(page);
    });
    afterAll(async () => {
      await context?.close();
      await app?.close();
    });

    it("shows recent failures with category, tool, repository, job link, diagnosis and evidence, hostile text as text", async () => {
      const rows = page.locator("#failures tbody tr.failure");
      // Five inside the window plus the 30-day-old one: the list is not limited to the chart's days.
      expect(await rows.count()).toBe(6);
      const tsc = page.locator('tr.failure[data-failure-key="f-tsc"]');
      expect(await tsc.locator(".cat").textContent()).toContain("typecheck");
      expect(await tsc.textContent()).toContain("tsc");
      expect(await tsc.textContent()).toContain("acme/web");
      expect(await tsc.locator("a[target=_blank]").getAttribute("href")).toBe(
        "https://github.com/acme/web/actions/runs/555/job/f-tsc",
      );
      expect(await tsc.locator(".summary").textContent()).toContain("typecheck failure (tsc)");
      await tsc.locator("details.evidence summary").click();
      const evidence = await tsc.locator("pre.evidence").textContent();
      expect(evidence).toContain(`error TS2322: Type 'string' is not assignable to type 'number'. ${XSS}`);
      expect(await tsc.locator("pre.evidence .hit").textContent()).toContain("TS2322");
      // The hostile job: its name is text and its javascript: link is not a link at all.
      const hostile = page.locator('tr.failure[data-failure-key="f-hostile"]');
      expect(await hostile.textContent()).toContain(`<script>window.__xss=2</script>`);
      expect(await hostile.locator("a[target=_blank]").count()).toBe(0);
      await noXss(page);
      expect(await page.locator("#stat-running .n").textContent()).toBe("1");
      expect(await page.locator("#stat-prs .n").textContent()).toBe("1");
    });

    it("draws failures by category per day as an SVG chart, and the screenshot really shows it", async () => {
      const bars = page.locator("#category-chart > svg rect.bar");
      // typecheck today, dependency 1 day ago, lint 3 days ago (2), and the undiagnosed one: four bars.
      expect(await bars.count()).toBe(4);
      expect(await page.locator('#category-chart rect.bar[data-category="lint"]').getAttribute("data-day")).toBe(
        new Date(seeded.now.getTime() - 3 * 86_400_000).toISOString().slice(0, 10),
      );
      const box = await page.locator("#category-chart > svg").boundingBox();
      expect(box?.width).toBeGreaterThan(600);
      expect(box?.height).toBeGreaterThan(150);
      const lint = await page.locator('#category-chart rect.bar[data-category="lint"]').boundingBox();
      const typecheck = await page.locator('#category-chart rect.bar[data-category="typecheck"]').boundingBox();
      // Two lint failures stand twice as tall as one typecheck failure.
      expect(Math.round((lint?.height ?? 0) / (typecheck?.height ?? 1))).toBe(2);

      const full = await page.screenshot({ fullPage: true });
      const fullPath = path.join(SHOTS, "overview.png");
      writeFileSync(fullPath, full);
      console.log(`overview screenshot: ${fullPath}`);
      const page1 = pixelStats(decodePng(full));
      expect(page1.distinct).toBeGreaterThan(200);
      expect(page1.nonBackgroundShare).toBeGreaterThan(0.2);

      const chart = await page.locator("#category-chart > svg").screenshot();
      writeFileSync(path.join(SHOTS, "chart.png"), chart);
      const pixels = pixelStats(decodePng(chart));
      // The bars' own colours are on screen, in proportion: lint's bar is about twice typecheck's.
      const lintPx = pixels.has(categoryColour("lint"));
      const typecheckPx = pixels.has(categoryColour("typecheck"));
      expect(typecheckPx).toBeGreaterThan(300);
      expect(pixels.has(categoryColour("dependency"))).toBeGreaterThan(300);
      expect(lintPx / typecheckPx).toBeGreaterThan(1.6);
      expect(lintPx / typecheckPx).toBeLessThan(2.4);
    });

    it("lists runs and shows a run's phase timeline with durations, commands and policy decisions", async () => {
      await page.click("nav >> text=Runs");
      await page.locator("#runs").waitFor();
      expect(await page.locator("#runs tr.run").count()).toBe(2);
      expect(await page.locator(`tr.run[data-run-id="${seeded.runningRunId}"] .badge`).textContent()).toBe("running");
      await page.click(`a[href="/dashboard/runs/${seeded.finishedRunId}"]`);
      await page.locator("#timeline").waitFor();
      const phases: string[] = [];
      const segs = page.locator("#timeline g.seg");
      for (let i = 0; i < (await segs.count()); i++)
        phases.push((await segs.nth(i).getAttribute("data-phase")) as string);
      expect(phases).toEqual(["BOOTSTRAP", "PREFLIGHT", "PLAN", "EXECUTE", "VERIFY", "PACKAGE", "REPORT"]);
      const execute = await page.locator('#timeline g.seg[data-phase="EXECUTE"] rect').boundingBox();
      const preflight = await page.locator('#timeline g.seg[data-phase="PREFLIGHT"] rect').boundingBox();
      expect((execute?.width ?? 0) / (preflight?.width ?? 1)).toBeGreaterThan(4);
      expect(await page.locator('.phase-block[data-phase="EXECUTE"] h3').textContent()).toContain("3 min 50 s");
      const command = page.locator('.phase-block[data-phase="EXECUTE"] li.command');
      expect(await command.textContent()).toContain("npx tsc --noEmit");
      expect(await command.textContent()).toContain("1.8 s");
      const policy = page.locator('.phase-block[data-phase="PREFLIGHT"] li.policy');
      expect(await policy.textContent()).toContain("allow");
      expect(await policy.textContent()).toContain(`tier note ${XSS}`);
      expect(await page.locator('.phase-block[data-phase="PACKAGE"] li.policy').count()).toBe(1);
      expect(await page.locator("dl.facts").textContent()).toContain("#7 Fix TS2322");
      expect(await page.locator("#live").count()).toBe(0);
      await noXss(page);
      writeFileSync(path.join(SHOTS, "run.png"), await page.screenshot({ fullPage: true }));
    });

    it("opens the live view (server-sent events) on a running run's page", async () => {
      await page.goto(`${base}/dashboard/runs/${seeded.runningRunId}`);
      await expect.poll(() => page.locator("#live .live-status").textContent(), { timeout: 10_000 }).toBe("live");
      expect(await page.locator("#run-phase").textContent()).toBe("EXECUTE");
    });

    it("shows open fix pull requests and agents' tiers per repository", async () => {
      await page.click("nav >> text=Fix PRs");
      await page.locator("#pull-requests").waitFor();
      const prs = page.locator("#pull-requests tr.pull-request");
      expect(await prs.count()).toBe(1);
      expect(await prs.textContent()).toContain(`Fix TS2322 in src/a.ts ${XSS}`);
      expect(await prs.locator("a[target=_blank]").getAttribute("href")).toBe("https://github.com/acme/web/pull/7");
      await noXss(page);

      await page.click("nav >> text=Agents");
      await page.locator("#tiers").waitFor();
      const web = page.locator('.repo-group[data-repo="acme/web"]');
      expect(await web.locator('tr.tier[data-agent="tsc-fixer"]').textContent()).toContain("T1 propose");
      expect(await web.locator('tr.tier[data-agent="prettier"]').textContent()).toContain("T2 push");
      const api = page.locator('.repo-group[data-repo="acme/api"]');
      expect(await api.locator('tr.tier[data-agent="eslint-fix"] .badge').textContent()).toBe("revoked");
      expect(await api.textContent()).toContain(`error budget exceeded ${XSS}`);
      expect(await page.locator("#tier-changes tbody tr").count()).toBe(2);
      await noXss(page);
      writeFileSync(path.join(SHOTS, "agents.png"), await page.screenshot({ fullPage: true }));
    });

    it("shows the in-process queue's depth, then logs out", async () => {
      await page.click("nav >> text=Queue");
      await page.locator("#queue-depth").waitFor();
      expect(await page.locator("#queue-depth .n").textContent()).toBe("0");
      await Promise.all([page.waitForURL(`${base}/dashboard`), page.click("form.logout button")]);
      await page.locator("#token").waitFor();
      await page.goto(`${base}/dashboard/runs`);
      expect(page.url()).toBe(`${base}/dashboard/login?next=%2Fdashboard%2Fruns`);
      expect(errors).toEqual([]);
    });
  });

  describe("the live view receiving lines (createDashboard on an in-memory feed)", () => {
    let server: Server;
    let dashboard: Dashboard;
    let store: Store;
    let seeded: Seeded;
    let context: BrowserContext;
    const live = new MemoryLiveFeed();
    beforeAll(async () => {
      store = new Store(await openDatabase({}));
      seeded = await seedDashboard(store, fakeClock);
      const logger = pino({ level: "silent" });
      dashboard = createDashboard({ store, queue: new MemoryQueue(), logger, live, token: TOKEN });
      server = createHttpServer({ logger, version: "test", mode: {}, dashboard });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    });
    afterAll(async () => {
      await context?.close();
      await dashboard?.close();
      await new Promise<void>((r) => server.close(() => r()));
      await store?.db.close();
    });

    it("appends classified lines as the pipeline publishes them, as text, and stops at the end", async () => {
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const page = await context.newPage();
      await loginThroughForm(page, base);
      const errors = watch(page);
      const run = seeded.runningRunId;
      live.publish(run, { kind: "phase", phase: "EXECUTE" });
      live.publish(run, { kind: "line", step: "install", lineNumber: 1, text: "> npm ci" });
      await page.goto(`${base}/dashboard/runs/${run}`);
      const lines = page.locator("#live .live-lines .live-line");
      await expect.poll(() => lines.count()).toBe(2);
      live.publish(run, { kind: "line", step: "install", lineNumber: 2, text: `npm warn ${XSS}` });
      live.publish(run, {
        kind: "line",
        step: "install",
        lineNumber: 3,
        text: "npm error code E404",
        finding: { classification: "Error", category: "dependency", severity: "error", ruleId: "npm/code" },
      });
      await expect.poll(() => lines.count()).toBe(4);
      expect(await lines.nth(0).textContent()).toBe("── EXECUTE ──");
      expect(await lines.nth(2).locator(".text").textContent()).toBe(`npm warn ${XSS}`);
      expect(await lines.nth(3).getAttribute("class")).toBe("live-line finding sev-error");
      expect(await lines.nth(3).locator(".tag").textContent()).toBe("dependency · npm/code");
      expect(await page.locator("#live .live-phase").textContent()).toBe("EXECUTE");
      await noXss(page);
      live.publish(run, { kind: "end", status: "proposed", reason: "opened pull request #9" });
      await expect.poll(() => page.locator("#live .live-status").textContent()).toBe("finished: proposed");
      expect(await page.locator("#live .live-reload").isVisible()).toBe(true);
      writeFileSync(path.join(SHOTS, "live.png"), await page.screenshot({ fullPage: true }));
      expect(errors).toEqual([]);
    });
  });

  describe.skipIf(!redisAvailable)("Sentinel on Redis: live lines from another process, and Bull Board", () => {
    const prefix = `sentinel-dash-ui-${randomBytes(4).toString("hex")}`;
    let app: Running;
    let base: string;
    let seeded: Seeded;
    let context: BrowserContext;
    let page: Page;
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
      // A delayed job Sentinel's worker leaves alone for the hour the test needs, for the board to show.
      const redis = new URL(REDIS_URL);
      probe = new Queue("sentinel", { connection: { host: redis.hostname, port: Number(redis.port || 6379) }, prefix });
      await probe.add("delivery", { deliveryKey: "browser-probe" }, { jobId: "browser-probe", delay: 3_600_000 });
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
      await loginThroughForm(page, base);
    });
    afterAll(async () => {
      await context?.close();
      await probe?.obliterate({ force: true }).catch(() => {});
      await probe?.close();
      await app?.close();
    });

    it("shows the lines a worker publishes to Redis", async () => {
      const worker = new RedisLiveFeed(REDIS_URL, prefix);
      try {
        const errors = watch(page);
        await page.goto(`${base}/dashboard/runs/${seeded.runningRunId}`);
        worker.publish(seeded.runningRunId, {
          kind: "line",
          step: "install",
          lineNumber: 1,
          text: "resolving left-padd",
        });
        const lines = page.locator("#live .live-lines .live-line");
        await expect.poll(() => lines.count(), { timeout: 15_000 }).toBe(1);
        expect(await lines.nth(0).locator(".text").textContent()).toBe("resolving left-padd");
        worker.publish(seeded.runningRunId, { kind: "end", status: "escalated", reason: "no fix" });
        await expect
          .poll(() => page.locator("#live .live-status").textContent(), { timeout: 15_000 })
          .toBe("finished: escalated");
        expect(errors).toEqual([]);
      } finally {
        await worker.close();
      }
    });

    it("renders Bull Board, read-only, over Sentinel's queue", async () => {
      const errors = watch(page);
      await page.goto(`${base}/dashboard/queues`);
      await page.getByText("sentinel", { exact: true }).first().waitFor({ timeout: 20_000 });
      await page.goto(`${base}/dashboard/queues/queue/sentinel?status=delayed`);
      await page.getByText("browser-probe").first().waitFor({ timeout: 20_000 });
      const shot = await page.screenshot({ fullPage: true });
      writeFileSync(path.join(SHOTS, "queues.png"), shot);
      expect(pixelStats(decodePng(shot)).distinct).toBeGreaterThan(50);
      // Read-only: the board offers no buttons that change the queue.
      for (const action of ["Pause", "Clean", "Retry all", "Promote all", "Empty", "Add job", "Obliterate"]) {
        expect(await page.getByRole("button", { name: action, exact: true }).count(), action).toBe(0);
      }
      // The only thing the CSP blocks is Bull Board's Google Fonts stylesheet (no third-party requests).
      expect(errors.filter((e) => !e.includes("fonts.googleapis.com"))).toEqual([]);
    });
  });
});
