import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { windowStart } from "../../src/dashboard/category-chart.js";
import { DashboardQueries } from "../../src/dashboard/dashboard-queries.js";
import { Store, type Database } from "../../src/store/index.js";
import { DATABASES } from "../support/services.js";
import { fakeClock, seedDashboard, XSS, type Seeded } from "./seed-dashboard.js";

// The same SELECTs on both databases, and the same typed rows out of them (pg gives counts and
// bigserials as strings, PGlite as numbers).
for (const database of DATABASES) {
  describe.skipIf(!database.available)(`the dashboard's queries on ${database.name}`, () => {
    let db: Database;
    let drop: () => Promise<void>;
    let q: DashboardQueries;
    let seeded: Seeded;
    beforeAll(async () => {
      ({ db, drop } = await database.open());
      seeded = await seedDashboard(new Store(db), fakeClock);
      q = new DashboardQueries(new Store(db));
    });
    afterAll(() => drop?.());

    it("reads recent failures with their diagnosis, evidence and fix decision, newest first", async () => {
      const rows = await q.recentFailures({ limit: 50 });
      expect(
        rows
          .map((r) => r.failureKey)
          .slice(0, 2)
          .sort(),
      ).toEqual(["f-hostile", "f-tsc"]);
      expect(rows.at(-1)?.failureKey).toBe("f-old");
      const tsc = rows.find((r) => r.failureKey === "f-tsc");
      expect(tsc?.pullRequests).toEqual([42]);
      expect(tsc?.diagnosis).toMatchObject({ category: "typecheck", tool: "tsc", flaky: false });
      expect(tsc?.diagnosis?.evidence?.lines).toContain(`building ${XSS}`);
      expect(tsc?.diagnosis?.firstErrorLine?.lineNumber).toBe(3);
      expect(tsc?.decision).toMatchObject({ verdict: "allow", runId: "run_seed_done" });
      expect(rows.find((r) => r.failureKey === "f-hostile")?.diagnosis).toBeNull();
      expect((await q.recentFailures({ limit: 50, repo: "acme/api" })).map((r) => r.failureKey)).toEqual(["f-npm"]);
      expect(typeof tsc?.diagnosis?.confidence).toBe("number");
    });

    it("counts failures per UTC day and category, and the totals, as numbers", async () => {
      const counts = await q.failuresByCategory(windowStart(14, seeded.now));
      expect(counts.reduce((a, c) => a + c.count, 0)).toBe(5);
      expect(counts.find((c) => c.category === "lint")).toEqual({
        day: new Date(seeded.now.getTime() - 3 * 86_400_000).toISOString().slice(0, 10),
        category: "lint",
        count: 2,
      });
      expect(await q.totals()).toEqual({
        failures24h: 2,
        diagnosed24h: 1,
        runsRunning: 1,
        runsWaiting: 0,
        openPullRequests: 1,
      });
    });

    it("reads runs, a run's ledger in order, its pull request, tiers and tier changes", async () => {
      const runs = await q.runs({ limit: 10 });
      expect(runs.map((r) => r.runId)).toEqual([seeded.runningRunId, seeded.finishedRunId]);
      expect((await q.runs({ limit: 10, status: "succeeded" })).map((r) => r.runId)).toEqual([seeded.finishedRunId]);
      const run = await q.run(seeded.finishedRunId);
      expect(run).toMatchObject({
        status: "succeeded",
        agentId: "tsc-fixer",
        reason: "opened pull request #7",
        prNumber: 42,
      });
      const ledger = await q.ledger(seeded.finishedRunId);
      expect(ledger.map((e) => e.kind).slice(0, 4)).toEqual([
        "run.started",
        "phase.PREFLIGHT",
        "policy.decision",
        "phase.PLAN",
      ]);
      expect(typeof ledger[0]?.seq).toBe("string");
      expect(ledger[0]?.at).toBeInstanceOf(Date);
      expect((await q.pullRequestsOfRun(seeded.finishedRunId)).map((p) => p.number)).toEqual([7]);
      expect((await q.openPullRequests(10)).map((p) => p.number)).toEqual([7]);
      expect((await q.tiers()).map((t) => [t.agentId, t.tier, t.revoked])).toEqual([
        ["eslint-fix", 0, true],
        ["prettier", 2, false],
        ["tsc-fixer", 1, false],
      ]);
      expect((await q.tierChanges(10)).map((e) => e.data.agent)).toEqual(["eslint-fix", "tsc-fixer"]);
      expect(await q.waitingApprovals(10)).toEqual([]);
    });
  });
}
