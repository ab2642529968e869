import { vi } from "vitest";
import { classifyText, loadBuiltinRules } from "../../src/sentinel/index.js";
import { GovernanceStore, RunStore, type FailureRecord, type Store } from "../../src/store/index.js";

/** Moves only Date (never timers: PGlite, Redis clients and the server need real ones) while seeding. */
export function fakeClock(at: Date | null): void {
  if (at === null) return void vi.useRealTimers();
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(at);
}

/** A payload that runs script if any page puts it into HTML unescaped. */
export const XSS = `<img src=x onerror="window.__xss=1">`;

export interface Seeded {
  /** The moment the seed counted days back from. */
  readonly now: Date;
  readonly finishedRunId: string;
  readonly runningRunId: string;
  readonly failureKeys: readonly string[];
}

function failure(key: string, over: Partial<FailureRecord>): FailureRecord {
  return {
    failureKey: key,
    forge: "github",
    source: "workflow_job",
    repo: "acme/web",
    repoId: "101",
    installationId: "9",
    sha: "0123456789abcdef0123456789abcdef01234567",
    ref: "main",
    jobId: key,
    jobName: "build",
    runId: "555",
    runAttempt: 1,
    jobUrl: `https://github.com/acme/web/actions/runs/555/job/${key}`,
    pullRequests: [],
    fromFork: false,
    context: {},
    firstDelivery: `delivery-${key}`,
    ...over,
  };
}

/**
 * Fills a store the way Sentinel's own code does (recordFailure, saveDiagnosis, RunStore,
 * GovernanceStore), with real diagnoses of small logs, some of them carrying an XSS payload
 * where forge data and log lines go. Timestamps the store sets with the database's now() are then
 * moved back with SQL (the chart needs several days); the ledger's, which are append-only, are
 * set by moving the process clock with `setClock` (null: back to the real clock).
 */
export async function seedDashboard(
  store: Store,
  setClock: (at: Date | null) => void,
  now = new Date(),
): Promise<Seeded> {
  const rules = await loadBuiltinRules();
  const runs = new RunStore(store.db);
  const gov = new GovernanceStore(store.db);

  const tscLog =
    [
      "> tsc -p .",
      `building ${XSS}`,
      `src/a.ts(1,2): error TS2322: Type 'string' is not assignable to type 'number'. ${XSS}`,
      "Found 1 error.",
    ].join("\n") + "\n";
  const npmLog =
    "npm error code E404\nnpm error 404 Not Found - GET https://registry.example.invalid/left-padd - Not found\n";
  const eslintLog =
    "src/app.js\n  3:7  error  'x' is assigned a value but never used  no-unused-vars\n\n✖ 1 problem (1 error, 0 warnings)\n";

  const items: Array<{ f: FailureRecord; log: string | null; daysAgo: number }> = [
    {
      f: failure("f-tsc", { jobName: "typecheck", pullRequests: [{ number: 42, fromFork: false }] }),
      log: tscLog,
      daysAgo: 0,
    },
    { f: failure("f-npm", { repo: "acme/api", repoId: "102", jobName: "install" }), log: npmLog, daysAgo: 1 },
    { f: failure("f-eslint-1", { jobName: "lint" }), log: eslintLog, daysAgo: 3 },
    {
      f: failure("f-eslint-2", { jobName: "lint", sha: "fedcba9876543210fedcba9876543210fedcba98" }),
      log: eslintLog,
      daysAgo: 3,
    },
    // Hostile forge data: a job name with markup and a job link that would run script.
    {
      f: failure("f-hostile", {
        jobName: `<script>window.__xss=2</script>${XSS}`,
        jobUrl: "javascript:window.__xss=3",
        repo: "acme/web",
      }),
      log: null,
      daysAgo: 0,
    },
    // Outside the chart's 14 days: must not be counted.
    { f: failure("f-old", { jobName: "ancient" }), log: eslintLog, daysAgo: 30 },
  ];
  for (const { f, log } of items) {
    await store.failures.record(f);
    if (log) {
      await store.diagnoses.save(f, classifyText(log, rules), false);
      await store.failures.setStatus(f.failureKey, "diagnosed");
    }
  }
  for (const { f, daysAgo } of items) {
    if (daysAgo === 0) continue;
    const at = new Date(now.getTime() - daysAgo * 86_400_000);
    await store.db.query("UPDATE failures SET created_at = $2 WHERE failure_key = $1", [f.failureKey, at]);
    await store.db.query("UPDATE diagnoses SET created_at = $2 WHERE failure_key = $1", [f.failureKey, at]);
  }
  await gov.setDecision({
    failureKey: "f-tsc",
    forge: "github",
    repo: "acme/web",
    fingerprint: "fp",
    verdict: "allow",
    rule: null,
    message: "propose: opened a fix",
    runId: "run_seed_done",
  });

  // A finished run, through every phase, with a command, policy decisions and its pull request.
  // The ledger is append-only and stamps entries with the process clock, so the clock is moved
  // (setClock) to spread the phases over minutes and give the timeline real durations.
  const done = "run_seed_done";
  const start = now.getTime() - 10 * 60_000;
  const at = (seconds: number) => setClock(new Date(start + seconds * 1000));
  try {
    await runs.startRun({
      runId: done,
      runKey: "github:acme/web:fp",
      forge: "github",
      repo: "acme/web",
      fingerprint: "sfp1-seeded",
      failureKey: "f-tsc",
      sha: "0123456789abcdef0123456789abcdef01234567",
      prNumber: 42,
    });
    at(0);
    await runs.record(done, "run.started", { sha: "0123456", baseBranch: "main" });
    at(5);
    await runs.transition(done, "PREFLIGHT");
    await runs.record(done, "policy.decision", {
      stage: "preflight",
      verdict: "allow",
      action: "propose",
      notes: [`tier note ${XSS}`],
    });
    at(40);
    await runs.transition(done, "PLAN");
    await runs.setRunFields(done, { agentId: "tsc-fixer", action: "propose" });
    at(70);
    await runs.transition(done, "EXECUTE");
    at(290);
    await runs.record(done, "command", {
      step: "fix-types",
      command: ["npx", "tsc", "--noEmit"],
      exitCode: 0,
      timedOut: false,
      ms: 1834,
      sandboxed: true,
      diagnosis: { status: "passed", category: "passed", summary: "no errors" },
      outputTail: `ok\n${XSS}\n`,
    });
    at(300);
    await runs.transition(done, "VERIFY");
    at(420);
    await runs.transition(done, "PACKAGE");
    await runs.record(done, "policy.decision", { stage: "package", verdict: "allow", action: "propose" });
    at(480);
    await runs.transition(done, "REPORT");
    await runs.record(done, "pull-request", {
      number: 7,
      url: "https://github.com/acme/web/pull/7",
      branch: "sentinel/fix-sfp1-seeded",
    });
    at(540);
    await runs.record(done, "run.finished", { status: "proposed", reason: "opened pull request #7" });
    await runs.finishRun(done, "succeeded", { status: "proposed", reason: "opened pull request #7" });
  } finally {
    setClock(null);
  }
  await store.db.query("UPDATE runs SET started_at = $2, finished_at = $3 WHERE run_id = $1", [
    done,
    new Date(start),
    new Date(start + 540_000),
  ]);
  await runs.upsertPullRequest({
    forge: "github",
    repo: "acme/web",
    headBranch: "sentinel/fix-sfp1-seeded",
    number: 7,
    url: "https://github.com/acme/web/pull/7",
    baseBranch: "main",
    title: `Fix TS2322 in src/a.ts ${XSS}`,
    body: "…",
    state: "open",
    runId: done,
    fingerprint: "sfp1-seeded",
    kind: "fix",
    agentId: "tsc-fixer",
  });
  await runs.upsertPullRequest({
    forge: "github",
    repo: "acme/web",
    headBranch: "sentinel/fix-closed",
    number: 3,
    url: "https://github.com/acme/web/pull/3",
    baseBranch: "main",
    title: "An old closed fix",
    body: "…",
    state: "closed",
    runId: null,
    fingerprint: "x",
    kind: "fix",
  });

  // A run still in EXECUTE: its page offers the live view.
  const running = "run_seed_live";
  await runs.startRun({
    runId: running,
    runKey: "github:acme/api:fp",
    forge: "github",
    repo: "acme/api",
    fingerprint: "sfp1-live",
    failureKey: "f-npm",
    sha: "aaaaaaaabbbbbbbbccccccccddddddddeeeeeeee",
  });
  await runs.transition(running, "PREFLIGHT");
  await runs.transition(running, "EXECUTE");
  await runs.setRunFields(running, { agentId: "npm-fixer", action: "propose" });

  await gov.setTier(
    {
      forge: "github",
      repo: "acme/web",
      agentId: "tsc-fixer",
      tier: 1,
      cleanStreak: 3,
      revoked: false,
      reason: "promoted after 3 clean runs",
    },
    { runId: done, cause: "clean runs" },
  );
  await gov.setTier(
    { forge: "github", repo: "acme/web", agentId: "prettier", tier: 2, cleanStreak: 7, revoked: false, reason: null },
    null,
  );
  await gov.setTier(
    {
      forge: "github",
      repo: "acme/api",
      agentId: "eslint-fix",
      tier: 0,
      cleanStreak: 0,
      revoked: true,
      reason: `error budget exceeded ${XSS}`,
    },
    { runId: null, cause: "budget" },
  );

  return { now, finishedRunId: done, runningRunId: running, failureKeys: items.map((i) => i.f.failureKey) };
}
