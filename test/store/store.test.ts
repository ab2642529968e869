import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { classifyText, loadBuiltinRules } from "../../src/sentinel/index.js";
import { readLedger } from "../../src/ledger/index.js";
import { migrate, Store, type Database, type FailureRecord } from "../../src/store/index.js";
import { DATABASES, freshPostgres, postgresAvailable } from "../support/services.js";

const failure = (over: Partial<FailureRecord> = {}): FailureRecord => ({
  failureKey: "github:1:job:10",
  forge: "github",
  source: "workflow_job",
  repo: "octo/app",
  repoId: "1",
  installationId: "5",
  sha: "a".repeat(40),
  jobId: "10",
  jobName: "test",
  pullRequests: [{ number: 7, fromFork: false }],
  fromFork: false,
  context: {},
  firstDelivery: "github:d-1",
  ...over,
});

for (const { name, available, open } of DATABASES) {
  describe.skipIf(!available)(`the store on ${name}`, () => {
    let db: Database;
    let drop: () => Promise<void>;
    let store: Store;
    beforeEach(async () => {
      ({ db, drop } = await open());
      store = new Store(db);
    });
    afterEach(() => drop());

    it("migrates once: a second run applies nothing", async () => {
      expect(await migrate(db)).toEqual([]);
    });

    it("records a delivery once and reports the redelivery", async () => {
      const d = { deliveryKey: "github:d-1", forge: "github" as const, event: "workflow_job", payload: { a: 1 } };
      expect(await store.deliveries.record(d)).toBe(true);
      expect(await store.deliveries.record(d)).toBe(false);
      expect(await store.deliveries.get("github:d-1")).toMatchObject({
        event: "workflow_job",
        payload: { a: 1 },
        enqueuedAt: null,
      });
    });

    it("deletes processed deliveries past the retention, and keeps recent ones and any not yet processed, however old", async () => {
      for (const key of ["old-done", "old-pending", "new-done"])
        await store.deliveries.record({ deliveryKey: key, forge: "github", event: "e", payload: {} });
      await store.deliveries.markProcessed("old-done", "ok");
      await store.deliveries.markProcessed("new-done", "ok");
      await db.query(
        "UPDATE deliveries SET received_at = now() - interval '31 days' WHERE delivery_key IN ('old-done', 'old-pending')",
      );
      await store.deliveries.ledgerAccepted();
      expect(await store.deliveries.prune(30, 1)).toBe(1);
      expect(await store.deliveries.get("old-done")).toBeNull();
      expect(await store.deliveries.get("old-pending")).not.toBeNull();
      expect(await store.deliveries.get("new-done")).not.toBeNull();
    });

    it("prunes in batches until nothing past the retention is left", async () => {
      for (let i = 0; i < 5; i++)
        await store.deliveries.record({ deliveryKey: `d${i}`, forge: "github", event: "e", payload: {} });
      for (let i = 0; i < 5; i++) await store.deliveries.markProcessed(`d${i}`, "ok");
      await db.query("UPDATE deliveries SET received_at = now() - interval '2 days'");
      await store.deliveries.ledgerAccepted();
      expect(await store.deliveries.prune(1, 2)).toBe(5);
      expect(await store.deliveries.prune(1, 2)).toBe(0);
    });

    it("keeps a delivery whose ledger entry is not written yet, however old", async () => {
      await store.deliveries.record({ deliveryKey: "unledgered", forge: "github", event: "e", payload: {} });
      await store.deliveries.markProcessed("unledgered", "ok");
      await db.query("UPDATE deliveries SET received_at = now() - interval '40 days'");
      expect(await store.deliveries.prune(30)).toBe(0);
      expect(await store.deliveries.ledgerAccepted()).toBe(1);
      expect(await store.deliveries.prune(30)).toBe(1);
    });

    it("writes each accepted delivery's ledger entry once, in the order they were received, and marks the row with its place", async () => {
      for (const key of ["first", "second"])
        await store.deliveries.record({
          deliveryKey: key,
          forge: "gitlab",
          event: "Job Hook",
          repo: "g/p",
          payload: { secret: "not in the ledger" },
        });
      expect(await store.deliveries.ledgerAccepted()).toBe(2);
      expect(await store.deliveries.ledgerAccepted()).toBe(0);
      const { rows } = await db.query<{ seq: string; kind: string; data: Record<string, unknown> }>(
        "SELECT seq, kind, data FROM ledger WHERE kind = 'delivery.accepted' ORDER BY seq",
      );
      expect(rows.map((r) => r.data.delivery)).toEqual(["first", "second"]);
      expect(JSON.stringify(rows)).not.toContain("not in the ledger");
      const marks = await db.query<{ delivery_key: string; ledger_seq: string }>(
        "SELECT delivery_key, ledger_seq FROM deliveries ORDER BY delivery_key",
      );
      expect(marks.rows.map((r) => [r.delivery_key, String(r.ledger_seq)])).toEqual([
        ["first", String(rows[0]!.seq)],
        ["second", String(rows[1]!.seq)],
      ]);
    });

    it("lists recorded deliveries that never reached the queue", async () => {
      await store.deliveries.record({ deliveryKey: "k1", forge: "github", event: "e", payload: {} });
      await store.deliveries.record({ deliveryKey: "k2", forge: "github", event: "e", payload: {} });
      await store.deliveries.markEnqueued("k2");
      expect(await store.deliveries.notEnqueued(-1000)).toEqual(["k1"]);
    });

    it("records one failure however many event kinds report it", async () => {
      expect(await store.failures.record(failure())).toBe(true);
      expect(await store.failures.record(failure({ source: "check_run", firstDelivery: "github:d-2" }))).toBe(false);
      expect(await store.failures.get("github:1:job:10")).toMatchObject({
        source: "workflow_job",
        status: "pending",
        pullRequests: [{ number: 7 }],
      });
    });

    it("marks a job that passed and failed on one commit as flaky", async () => {
      const o = { forge: "github" as const, repo: "octo/app", sha: "s", jobName: "test" };
      await store.failures.recordJobOutcome({ ...o, jobId: "1", conclusion: "failure" });
      expect(await store.failures.isFlaky("github", "octo/app", "s", "test")).toBe(false);
      await store.failures.recordJobOutcome({ ...o, jobId: "2", conclusion: "success" });
      expect(await store.failures.isFlaky("github", "octo/app", "s", "test")).toBe(true);
    });

    it("answers where a fingerprint was seen before", async () => {
      const d = classifyText(
        "src/a.ts(1,2): error TS2322: Type 'string' is not assignable to type 'number'.\n",
        await loadBuiltinRules(),
      );
      for (const [key, sha, repo] of [
        ["k1", "s1", "octo/app"],
        ["k2", "s2", "octo/app"],
        ["k3", "s2", "octo/app"],
        ["k4", "s9", "octo/other"],
      ] as const) {
        const f = failure({ failureKey: key, sha, repo });
        await store.failures.record(f);
        await store.diagnoses.save(f, d, false);
      }
      expect(await store.diagnoses.fingerprintHistory("github", "octo/app", d.fingerprint)).toMatchObject({
        occurrences: 3,
        commits: 2,
        otherRepos: 1,
      });
    });

    it("keeps one sticky comment id per pull request", async () => {
      await store.pullRequests.setStickyComment("github", "octo/app", 7, "100");
      await store.pullRequests.setStickyComment("github", "octo/app", 7, "101");
      expect(await store.pullRequests.stickyComment("github", "octo/app", 7)).toBe("101");
    });

    it("keeps a run's ledger in call order when its notes are not waited for", async () => {
      store.runs.note("run-1", "first", { n: 1 });
      store.runs.note("run-1", "second", { n: 2 });
      await store.runs.record("run-1", "third", { n: 3 });
      const kinds: string[] = [];
      for await (const e of readLedger(db, { runId: "run-1" })) kinds.push(e.kind);
      expect(kinds).toEqual(["first", "second", "third"]);
    });

    it("raises a note that failed at the run's next write, and writes nothing out of order", async () => {
      let failNext = true;
      const flaky: Database = Object.assign(Object.create(db) as Database, {
        appendLedger: undefined,
        transaction: <T>(fn: (tx: Parameters<Parameters<Database["transaction"]>[0]>[0]) => Promise<T>) => {
          if (failNext) {
            failNext = false;
            return Promise.reject(new Error("the disk is full"));
          }
          return db.transaction(fn);
        },
      });
      const runs = new Store(flaky).runs;
      runs.note("run-2", "lost", {});
      await expect(runs.record("run-2", "after", {})).rejects.toThrow(/disk is full/);
      // Raised once: the run's next write goes through.
      await runs.record("run-2", "later", {});
      const kinds: string[] = [];
      for await (const e of readLedger(db, { runId: "run-2" })) kinds.push(e.kind);
      expect(kinds).toEqual(["after", "later"]);
    });

    it("finds the diagnosed failures of a pull request", async () => {
      const d = classifyText("npm error code E404\n", await loadBuiltinRules());
      await store.failures.record(failure());
      await store.diagnoses.save(failure(), d, false);
      await store.failures.record(failure({ failureKey: "other", pullRequests: [{ number: 8, fromFork: false }] }));
      await store.diagnoses.save(failure({ failureKey: "other" }), d, false);
      expect((await store.diagnoses.forPullRequest("github", "octo/app", 7)).map((x) => x.failure.failureKey)).toEqual([
        "github:1:job:10",
      ]);
    });
  });
}

describe("the embedded database on disk", () => {
  it("creates its data folder, parents included, and keeps data across restarts", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const path = await import("node:path");
    const { openDatabase } = await import("../../src/store/index.js");
    const root = mkdtempSync(path.join(tmpdir(), "sentinel-pglite-"));
    const dataDir = path.join(root, "not", "yet", "there");
    try {
      const first = await openDatabase({ dataDir });
      await new Store(first).deliveries.record({ deliveryKey: "k", forge: "github", event: "e", payload: {} });
      await first.close();
      const again = await openDatabase({ dataDir });
      expect(await new Store(again).deliveries.get("k")).toMatchObject({ event: "e" });
      await again.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!postgresAvailable)("the PostgreSQL lock", () => {
  it("serves more waiters than the pool has connections, one at a time", async () => {
    const { createPostgresDatabase } = await import("../../src/store/postgres-database.js");
    const pg = await freshPostgres();
    const db = createPostgresDatabase(pg.url, { max: 2 });
    let inside = 0;
    let most = 0;
    try {
      await Promise.all(
        Array.from({ length: 8 }, () =>
          db.withLock("same-key", async () => {
            inside++;
            most = Math.max(most, inside);
            // The holder needs connections of its own while others wait.
            await Promise.all([db.query("SELECT 1"), db.query("SELECT 2")]);
            inside--;
          }),
        ),
      );
      expect(most).toBe(1);
    } finally {
      await db.close();
      await pg.drop();
    }
  });
});
