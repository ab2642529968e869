// `npm run bench:faults`: Sentinel under faults. Worker processes are killed with SIGKILL at random
// moments while they run ~100 fix pipelines, and Redis is crashed and restarted once while the
// webhook deliveries are arriving; afterwards the bench checks, from PostgreSQL, the bare
// repositories on disk and what the GitHub stand-in saw, that every accepted failure has exactly
// one diagnosis, every fixable one exactly one pull request, no branch is half-pushed, no worktree
// is left behind, and the audit ledger verifies (also against the checkpoint file). It prints its
// figures and exits 1 when an invariant fails.
//
// What runs, all real except the GitHub API:
//   - PostgreSQL on 127.0.0.1:5432 (a fresh database, created through the `test` database and
//     dropped afterwards);
//   - a redis-server of the bench's own on a spare port with its files in a temp dir (the shared
//     Redis on 6379 is never touched), persistence as described in bench/faults/redis.mjs;
//   - Sentinel as deployed: one `node dist/main.js` with SENTINEL_ROLE=server and N with
//     SENTINEL_ROLE=worker, each worker with its own SENTINEL_WORK_DIR, the sandbox required
//     (bubblewrap), one shared SENTINEL_LEDGER_CHECKPOINT file;
//   - git: every repository is a bare repo on disk served over HTTP by the stand-in (GHE_HOST), Rust
//     crates failing `cargo fmt --all --check` (the fixable ones; the CI log is what cargo fmt
//     really printed for that crate) and JavaScript projects failing jest (diagnosed, not fixable);
//   - the GitHub API: a stand-in on 127.0.0.1 (bench/faults/github-standin.mjs) reached through
//     GHE_HOST, which refuses a second pull request for the same head as GitHub does and records
//     every pull request created.
//
// The deliveries: per fixable crate its failed workflow_job; some of them also as the check_run
// GitHub Actions reports for the same job (the same failure twice), some re-run (a new job, the same
// failure fingerprint), some redelivered (the same X-GitHub-Delivery again); the jest failures; and
// successful jobs as background load. They are sent open-loop at --rate per second, in a seeded
// random order. Redis is SIGKILLed at a seeded moment during the sending and started again with its
// append-only file after a seeded 1-3 s. Kills: seeded exponential gaps; at each, a worker that is
// running a fix pipeline (known from its worktree's path) is SIGKILLed with its whole process group
// (git, bubblewrap, cargo die with it, as when a container dies) and restarted after 0.5-2.5 s.
//
// Options: --seed N, --fixable N (100), --unfixable N (20), --twins N (15), --reruns N (10),
// --redeliveries N (20), --noise N (600 successful jobs), --rate N (60/s), --workers N (3),
// --concurrency N (2 jobs per worker), --kills N (20), --kill-gap S (mean seconds between kills,
// 5), --timeout S (600), --keep (keep the database, temp dir and Redis files).
import { randomBytes, generateKeyPairSync } from "node:crypto";
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { createRng } from "./lib/rng.mjs";
import { startOwnRedis, REDIS_PERSISTENCE } from "./faults/redis.mjs";
import { startGithubStandIn } from "./faults/github-standin.mjs";
import { freePort, startServer } from "./lib/processes.mjs";
import { freshDatabase } from "./lib/services.mjs";
import {
  actionsLog,
  cargoFmtCheck,
  cargoFmtCheckMany,
  gitAsync,
  inParallel,
  makeCrate,
  makeJestProject,
  readFixture,
} from "./faults/repos.mjs";
import {
  failedActionsCheckRun,
  failedWorkflowJob,
  OWNER,
  signGithub,
  succeededWorkflowJob,
} from "./faults/deliveries.mjs";

const execFileP = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const argv = process.argv.slice(2);
const num = (name, fallback) => {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} needs a number, got ${argv[i + 1]}`);
  return v;
};
const opts = {
  seed: num("--seed", randomBytes(4).readUInt32BE(0)),
  fixable: num("--fixable", 100),
  unfixable: num("--unfixable", 20),
  twins: num("--twins", 15),
  reruns: num("--reruns", 10),
  redeliveries: num("--redeliveries", 20),
  noise: num("--noise", 600),
  rate: num("--rate", 60),
  workers: Math.max(2, num("--workers", 3)),
  concurrency: num("--concurrency", 2),
  kills: num("--kills", 20),
  killGapS: num("--kill-gap", 5),
  timeoutS: num("--timeout", 600),
  keep: argv.includes("--keep"),
};
const rng = createRng(opts.seed);
// Each Sentinel process leads its own process group, so a kill takes what it started with it.
const startSentinel = (o) => startServer({ ...o, timeoutMs: 60_000, group: true, appendLog: true });
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const int = (v) => Math.round(v).toLocaleString("en-US");
const log = (...a) => console.log(...a);

const INSTALLATION = 4242;
const APP_ID = 4242;
const QUEUE_LOCK_MS = 8000;
const QUEUE_STALLED_MS = 4000;
const runId = randomBytes(4).toString("hex");
const tmp = path.join(os.tmpdir(), `sentinel-faults-${runId}`);
const outDir = path.join(here, "out", `faults-${runId}`);
mkdirSync(tmp, { recursive: true });
mkdirSync(outDir, { recursive: true });
const checkpointFile = path.join(outDir, "ledger.checkpoints");
const workDirOf = (i) => path.join(tmp, "work", `worker-${i + 1}`);

log(
  `faults bench ${runId}: seed ${opts.seed} (repeat with --seed ${opts.seed}); ${os.cpus().length} cores, node ${process.version}`,
);
log(
  `  ${opts.fixable} fixable crates (cargo fmt), ${opts.unfixable} jest failures, ${opts.twins} also as check_run, ${opts.reruns} re-run jobs, ${opts.redeliveries} redeliveries, ${opts.noise} successful jobs; ${opts.rate} deliveries/s`,
);
log(
  `  ${opts.workers} workers x ${opts.concurrency} jobs, ${opts.kills} kills (mean gap ${opts.killGapS} s), BullMQ lock ${QUEUE_LOCK_MS} ms / stalled check ${QUEUE_STALLED_MS} ms`,
);
log(`  logs: ${outDir}`);

// ---------------------------------------------------------------------------------------------
// Preconditions
const fmtVersion = (() => {
  try {
    return execFileSync("cargo", ["fmt", "--version"], { encoding: "utf8" }).trim();
  } catch {
    return null;
  }
})();
if (!fmtVersion) {
  console.error("cargo fmt is not installed: the faults bench fixes Rust crates with it");
  process.exit(2);
}
const sandbox = (() => {
  try {
    execFileSync("bwrap", ["--ro-bind", "/", "/", "--dev", "/dev", "--unshare-pid", "true"], { stdio: "ignore" });
    return "required";
  } catch {
    return "preferred";
  }
})();
// The build under test: its builtin recipes load, and cargo-fmt is among them (a recipe the
// build's schema rejects would leave every crate "no-agent" and the bench measuring nothing).
const recipes = await import(path.join(root, "dist", "agents", "index.js")).then((m) => m.loadBuiltinRecipes());
if (!recipes.recipes.some((r) => r.id === "cargo-fmt") || recipes.issues.length > 0) {
  console.error(
    `the build's builtin recipes do not load cleanly (cargo-fmt ${recipes.recipes.some((r) => r.id === "cargo-fmt") ? "loaded" : "missing"}): ${recipes.issues.join("; ")}; run npm run build`,
  );
  process.exit(2);
}
log(
  `  ${fmtVersion}; sandbox: ${sandbox === "required" ? "bubblewrap works, SENTINEL_SANDBOX=required" : "BUBBLEWRAP DOES NOT WORK HERE: SENTINEL_SANDBOX=preferred (fixers run unsandboxed)"}`,
);

const cleanups = [];
let failed;
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error(`\n${signal}: stopping, cleaning up (again to quit at once)`);
  });
}
/** A promise that gives up after `ms` (Redis calls block while it is down). */
const within = (ms, p, fallback) => Promise.race([p, sleep(ms).then(() => fallback)]);

try {
  // -------------------------------------------------------------------------------------------
  // Repositories, each failure's CI log, and the deliveries.
  const t0 = Date.now();
  const crates = [];
  for (let i = 0; i < opts.fixable; i++) {
    const onPr = i % 4 === 3;
    const branch = onPr ? `feature-${i}` : "main";
    const c = makeCrate(tmp, i, onPr ? [branch] : []);
    crates.push({ ...c, kind: "fixable", repoId: 700_000 + i, branch, pr: onPr ? 7 : null });
  }
  const jests = [];
  for (let i = 0; i < opts.unfixable; i++) {
    const onPr = i % 4 === 1;
    const branch = onPr ? `feature-${i}` : "main";
    const j = makeJestProject(tmp, i, onPr ? [branch] : []);
    jests.push({ ...j, kind: "unfixable", repoId: 800_000 + i, branch, pr: onPr ? 9 : null });
  }
  const allRepos = [...crates, ...jests];
  // The fixable crates really fail `cargo fmt --all --check`; its output (paths as on a GitHub runner) is the job log.
  const fmtRuns = await cargoFmtCheckMany(
    crates.map((c) => ({ name: c.name, remote: c.remote, commit: c.sha })),
    tmp,
    (name) => `/home/runner/work/${name}/${name}`,
  );
  const fmtLogs = crates.map((c) => {
    const r = fmtRuns.get(c.name);
    if (r.ok || !r.output.startsWith("Diff in "))
      throw new Error(`${c.name}: cargo fmt --check does not fail as the scenario needs: ${r.output.slice(0, 300)}`);
    return actionsLog("cargo fmt --all --check", r.output);
  });
  const jestLog = actionsLog("npx jest", readFixture(root, "test/fixtures/tools/jest/failing.log"));

  const logs = new Map();
  const pulls = new Map();
  const repoMap = new Map();
  for (const r of allRepos) {
    repoMap.set(`${OWNER}/${r.name}`, { remote: r.remote, repoId: r.repoId, config: "mode: propose\n" });
    if (r.pr) pulls.set(`${OWNER}/${r.name}@${r.sha}`, [{ number: r.pr, headRef: r.branch }]);
  }

  // Failures: each crate's fmt job and each project's test job; twins, re-runs, redeliveries on top.
  let nextJob = 5_000_000;
  const failures = []; // { key, repo, jobId, kind, rerunOf? }
  const deliveries = []; // { id, event, payload, after? }
  const add = (event, payload) => {
    const d = { id: `faults-${runId}-${deliveries.length}`, event, payload, body: JSON.stringify(payload) };
    deliveries.push(d);
    return d;
  };
  for (const [i, c] of crates.entries()) {
    const jobId = nextJob++;
    logs.set(String(jobId), fmtLogs[i]);
    const d = add(
      "workflow_job",
      failedWorkflowJob({
        repo: c,
        installationId: INSTALLATION,
        jobId,
        runId: 900_000 + i,
        jobName: "fmt",
        sha: c.sha,
        branch: c.branch,
      }),
    );
    failures.push({ key: `github:${c.repoId}:job:${jobId}`, repo: c, jobId, kind: "fixable", delivery: d });
  }
  for (const [i, j] of jests.entries()) {
    const jobId = nextJob++;
    logs.set(String(jobId), jestLog);
    const d = add(
      "workflow_job",
      failedWorkflowJob({
        repo: j,
        installationId: INSTALLATION,
        jobId,
        runId: 950_000 + i,
        jobName: "test",
        sha: j.sha,
        branch: j.branch,
      }),
    );
    failures.push({ key: `github:${j.repoId}:job:${jobId}`, repo: j, jobId, kind: "unfixable", delivery: d });
  }
  const originals = [...failures];
  const order = rng.shuffle(deliveries.map((d) => d));
  const insertAfter = (item, anchor) => {
    const at = order.indexOf(anchor);
    order.splice(rng.int(at + 1, order.length), 0, item);
  };
  // The same job reported again as its check run (same failure key: one failure).
  for (const f of rng.shuffle(originals).slice(0, opts.twins)) {
    const twin = add(
      "check_run",
      failedActionsCheckRun({
        repo: f.repo,
        installationId: INSTALLATION,
        jobId: f.jobId,
        jobName: f.kind === "fixable" ? "fmt" : "test",
        sha: f.repo.sha,
        branch: f.repo.branch,
        pullRequests: f.repo.pr ? [f.repo.pr] : [],
      }),
    );
    order.splice(rng.int(0, order.length), 0, twin);
    f.twin = twin.id;
  }
  // A re-run of a failed fmt job: a new job id, the same failure (same fingerprint) on the same commit.
  for (const f of rng.shuffle(originals.filter((x) => x.kind === "fixable")).slice(0, opts.reruns)) {
    const jobId = nextJob++;
    logs.set(String(jobId), logs.get(String(f.jobId)));
    const d = add(
      "workflow_job",
      failedWorkflowJob({
        repo: f.repo,
        installationId: INSTALLATION,
        jobId,
        runId: 900_000 + crates.indexOf(f.repo),
        attempt: 2,
        jobName: "fmt",
        sha: f.repo.sha,
        branch: f.repo.branch,
      }),
    );
    failures.push({
      key: `github:${f.repo.repoId}:job:${jobId}`,
      repo: f.repo,
      jobId,
      kind: "fixable",
      rerunOf: f.key,
      delivery: d,
    });
    insertAfter(d, f.delivery);
  }
  // Successful jobs (other job names, so no failure becomes flaky): background load.
  for (let i = 0; i < opts.noise; i++) {
    const r = rng.pick(allRepos);
    const d = add(
      "workflow_job",
      succeededWorkflowJob({
        repo: r,
        installationId: INSTALLATION,
        jobId: nextJob++,
        runId: 990_000 + i,
        jobName: rng.pick(["build", "docs", "audit", "bench"]),
        sha: r.sha,
        branch: r.branch,
      }),
    );
    order.splice(rng.int(0, order.length), 0, d);
  }
  // Redeliveries: the same delivery (same X-GitHub-Delivery, same body) sent again later.
  const redelivered = rng.shuffle(order.filter((d) => d.event !== "check_run")).slice(0, opts.redeliveries);
  for (const d of redelivered) insertAfter({ ...d, redelivery: true }, d);
  log(
    `\nscenario (${((Date.now() - t0) / 1000).toFixed(1)} s to build): ${allRepos.length} repositories, ${failures.length} failures (${failures.filter((f) => f.kind === "fixable").length} fixable, ${opts.reruns} of them re-runs), ${order.length} deliveries to send`,
  );

  // -------------------------------------------------------------------------------------------
  // Services and Sentinel.
  const redisPort = await freePort();
  const redis = await startOwnRedis({
    port: redisPort,
    dir: path.join(tmp, "redis"),
    logFile: path.join(outDir, "redis.log"),
  });
  cleanups.push(() => (opts.keep ? undefined : redis.stop()));
  log(`  Redis: own redis-server on port ${redisPort} (${REDIS_PERSISTENCE}), files in ${path.join(tmp, "redis")}`);
  const db = await freshDatabase("faults");
  cleanups.push(() => (opts.keep ? undefined : db.drop()));
  log(`  PostgreSQL: database ${db.name}`);
  const api = await startGithubStandIn({
    repos: repoMap,
    logs,
    pulls,
    appId: APP_ID,
    gitRoot: path.join(tmp, "remotes"),
  });
  cleanups.push(() => api.close());
  log(`  GitHub stand-in on 127.0.0.1:${api.port} (GHE_HOST)`);

  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const WEBHOOK_SECRET = `faults-${runId}`;
  const prefix = `sentinel-faults-${runId}`;
  const baseEnv = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? os.homedir(),
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
    APP_ID: String(APP_ID),
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET,
    GHE_HOST: `127.0.0.1:${api.port}`,
    GHE_PROTOCOL: "http",
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    SENTINEL_QUEUE_PREFIX: prefix,
    SENTINEL_QUEUE_LOCK_MS: String(QUEUE_LOCK_MS),
    SENTINEL_QUEUE_STALLED_MS: String(QUEUE_STALLED_MS),
  };
  const script = path.join(root, "dist", "main.js");
  const server = await startSentinel({
    name: "server",
    script,
    port: await freePort(),
    logFile: path.join(outDir, "server.log"),
    env: { ...baseEnv, SENTINEL_ROLE: "server" },
  });
  cleanups.push(() => server.stop());
  const workerEnv = (i) => ({
    ...baseEnv,
    SENTINEL_ROLE: "worker",
    SENTINEL_WORKER_CONCURRENCY: String(opts.concurrency),
    SENTINEL_WORK_DIR: workDirOf(i),
    SENTINEL_SANDBOX: sandbox,
    SENTINEL_LEDGER_CHECKPOINT: checkpointFile,
    SENTINEL_LEDGER_CHECKPOINT_INTERVAL_MS: "2000",
  });
  const workers = [];
  const startWorker = async (i) =>
    (workers[i] = await startSentinel({
      name: `worker-${i + 1}`,
      script,
      port: await freePort(),
      logFile: path.join(outDir, `worker-${i + 1}.log`),
      env: workerEnv(i),
    }));
  for (let i = 0; i < opts.workers; i++) await startWorker(i);
  cleanups.push(() => Promise.all(workers.map((w) => w?.stop())));
  log(`  Sentinel: server pid ${server.pid}, workers ${workers.map((w) => w.pid).join(", ")} (${elapsed()})`);

  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  pool.on("error", () => {});
  cleanups.push(() => pool.end());
  const q = (sql, params) => pool.query(sql, params).then((r) => r.rows);
  const bull = new Queue("sentinel", {
    connection: { host: "127.0.0.1", port: redisPort, maxRetriesPerRequest: null },
    prefix,
  });
  bull.on("error", () => {});
  cleanups.push(() => bull.close());

  // -------------------------------------------------------------------------------------------
  // Load, Redis crash, kills.
  const sent = []; // { id, status, ms, at, redelivery }
  const sendOne = async (d) => {
    const t = Date.now();
    let status;
    try {
      const res = await fetch(`${server.url}/api/github/webhooks`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "GitHub-Hookshot/faults",
          "x-github-event": d.event,
          "x-github-delivery": d.id,
          "x-hub-signature-256": signGithub(WEBHOOK_SECRET, d.body),
        },
        body: d.body,
        signal: AbortSignal.timeout(30_000),
      });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = 0;
    }
    const rec = { id: d.id, status, ms: Date.now() - t, at: t, redelivery: Boolean(d.redelivery) };
    sent.push(rec);
    return rec;
  };
  const sendSeconds = order.length / opts.rate;
  const crashAt = rng.between(0.25, 0.6) * sendSeconds * 1000;
  const downMs = rng.int(1000, 3000);
  const redisEvent = { at: null, downMs: null, sentWhileDown: 0 };
  const killEvents = [];
  let stopKilling = false;
  let loadDone = false;

  const load = (async () => {
    const tStart = Date.now();
    const inFlight = new Set();
    let crashed = null;
    for (let i = 0; i < order.length && !interrupted; i++) {
      const due = tStart + (i * 1000) / opts.rate;
      if (due > Date.now()) await sleep(due - Date.now());
      if (!crashed && Date.now() - tStart >= crashAt) {
        redisEvent.at = (Date.now() - started) / 1000;
        const sentBefore = sent.length + inFlight.size;
        crashed = redis.crashAndRestart(downMs).then((r) => {
          redisEvent.downMs = r.downMs;
          redisEvent.sentWhileDown = sent.length + inFlight.size - sentBefore;
        });
      }
      const p = sendOne(order[i]);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    await Promise.all(inFlight);
    await crashed;
    // GitHub does not retry a failed delivery by itself; an operator redelivers it. Anything not
    // accepted is redelivered, up to three times.
    for (let round = 0; round < 3; round++) {
      const latest = new Map(sent.map((s) => [s.id, s]));
      const notAccepted = order.filter((d) => !(latest.get(d.id)?.status >= 200 && latest.get(d.id)?.status < 300));
      if (notAccepted.length === 0) break;
      log(`  ${notAccepted.length} deliveries not accepted; redelivering them (round ${round + 1})`);
      await inParallel(notAccepted, 8, (d) => sendOne({ ...d, redelivery: true }));
    }
    loadDone = true;
  })();

  // Which worker runs which fix pipeline: a run's worktree lives under its worker's SENTINEL_WORK_DIR.
  const activeRuns = async () =>
    q(`SELECT r.run_id, r.phase, r.failure_key, r.started_at, l.data->>'path' AS path FROM runs r
       LEFT JOIN ledger l ON l.run_id = r.run_id AND l.kind = 'workspace.worktree' WHERE r.status = 'running'`).catch(
      () => [],
    );
  const allKeys = failures.map((f) => f.key);
  const decidedCount = async () =>
    Number(
      (
        await q("SELECT count(*) AS n FROM fix_decisions WHERE failure_key = ANY($1::text[])", [allKeys]).catch(() => [
          { n: 0 },
        ])
      )[0].n,
    );

  const killer = (async () => {
    // Kills start with the first fix run.
    while (!stopKilling && !interrupted && (await q("SELECT 1 FROM runs LIMIT 1").catch(() => [])).length === 0)
      await sleep(200);
    while (!stopKilling && !interrupted && killEvents.length < opts.kills) {
      await sleep(rng.exponential(opts.killGapS * 1000));
      if (stopKilling || interrupted) break;
      // A killed worker's runs stay "running" until found dead: only runs this incarnation started count.
      const hit = new Set(killEvents.flatMap((k) => k.runs.map((r) => r.runId)));
      const runs = (await activeRuns()).filter((r) => !hit.has(r.run_id));
      const byWorker = workers.map((w, i) => ({
        i,
        w,
        runs: runs.filter(
          (r) =>
            r.path?.startsWith(workDirOf(i) + path.sep) && w && new Date(r.started_at).getTime() >= w.startedAt - 1000,
        ),
      }));
      const candidates = byWorker.filter((x) => x.w?.alive() && x.runs.length > 0);
      if (candidates.length === 0) {
        if (loadDone && (await decidedCount()) >= allKeys.length) break;
        continue;
      }
      const target = rng.pick(candidates);
      const at = (Date.now() - started) / 1000;
      const w = target.w;
      workers[target.i] = null;
      await w.kill();
      const restartAfter = rng.int(500, 2500);
      killEvents.push({
        at,
        worker: target.i + 1,
        pid: w.pid,
        runs: target.runs.map((r) => ({ runId: r.run_id, phase: r.phase })),
        restartAfter,
      });
      setTimeout(
        () =>
          void startWorker(target.i).catch((e) =>
            console.error(`restarting worker-${target.i + 1} failed: ${e.message}`),
          ),
        restartAfter,
      );
    }
  })();

  // -------------------------------------------------------------------------------------------
  // Until everything settled: deliveries processed, failures diagnosed, fix jobs decided, no run
  // running, the queue empty (or the timeout).
  const deadline = started + opts.timeoutS * 1000;
  let lastReport = 0;
  let settled = false;
  let status = {};
  while (Date.now() < deadline && !interrupted) {
    await sleep(1000);
    if (!loadDone) continue;
    const accepted = [...new Set(sent.filter((s) => s.status >= 200 && s.status < 300).map((s) => `github:${s.id}`))];
    const [d] = await q(
      "SELECT count(*) FILTER (WHERE processed_at IS NOT NULL) AS processed FROM deliveries WHERE delivery_key = ANY($1::text[])",
      [accepted],
    ).catch(() => [{ processed: -1 }]);
    const [f] = await q(
      "SELECT count(*) FILTER (WHERE status = 'diagnosed') AS diagnosed FROM failures WHERE failure_key = ANY($1::text[])",
      [allKeys],
    ).catch(() => [{ diagnosed: -1 }]);
    const decided = await decidedCount();
    const [r] = await q("SELECT count(*) FILTER (WHERE status = 'running') AS running FROM runs").catch(() => [
      { running: -1 },
    ]);
    const counts = await within(
      5000,
      bull.getJobCounts("waiting", "active", "delayed", "prioritized", "failed").catch(() => null),
      null,
    );
    // Worktree folders still on disk (the workers' janitors clean up after runs whose worker died).
    const folders = Array.from({ length: opts.workers }, (_, i) => path.join(workDirOf(i), "worktrees")).reduce(
      (n, dir) => n + (existsSync(dir) ? readdirSync(dir).length : 0),
      0,
    );
    status = {
      processed: Number(d.processed),
      accepted: accepted.length,
      diagnosed: Number(f.diagnosed),
      decided,
      running: Number(r.running),
      folders,
      counts,
      prs: api.state.created.length,
      kills: killEvents.length,
    };
    if (Date.now() - lastReport >= 10_000) {
      lastReport = Date.now();
      log(
        `  [${elapsed()}] deliveries processed ${status.processed}/${status.accepted}, failures diagnosed ${status.diagnosed}/${allKeys.length}, fix jobs decided ${decided}/${allKeys.length}, PRs ${status.prs}, runs running ${status.running}, worktree folders ${status.folders}, kills ${killEvents.length}, queue ${counts ? JSON.stringify(counts) : "?"}`,
      );
    }
    const queueIdle = counts && counts.waiting + counts.active + counts.delayed + counts.prioritized === 0;
    if (
      status.processed === status.accepted &&
      status.diagnosed === allKeys.length &&
      decided === allKeys.length &&
      status.running === 0 &&
      status.folders === 0 &&
      queueIdle &&
      workers.every((w) => w?.alive())
    ) {
      settled = true;
      break;
    }
    if (decided === allKeys.length) stopKilling = true;
  }
  stopKilling = true;
  await load;
  await killer;
  if (interrupted) throw new Error("interrupted");
  const settledAfter = (Date.now() - started) / 1000;
  const lastKill = killEvents.length ? killEvents[killEvents.length - 1].at : null;
  log(
    `\n${settled ? "settled" : "DID NOT SETTLE"} after ${settledAfter.toFixed(1)} s${lastKill !== null ? ` (${(settledAfter - lastKill).toFixed(1)} s after the last kill)` : ""}${settled ? "" : ` (timeout ${opts.timeoutS} s): ${JSON.stringify(status)}`}`,
  );

  // Everything stops before the checks, so nothing moves while they run.
  const queueFailed = await within(
    10_000,
    bull.getFailed(0, 1000).catch(() => []),
    [],
  );
  const leaseKeys = await within(10_000, countKeys(redis.url, `${prefix}:lease:*`), -1);
  for (const w of workers) await w?.stop();
  await server.stop();

  // -------------------------------------------------------------------------------------------
  // The figures.
  const latest = new Map();
  for (const s of sent) latest.set(s.id, s);
  const acceptedIds = [...latest.values()].filter((s) => s.status >= 200 && s.status < 300).map((s) => s.id);
  const uniqueSent = new Set(order.map((d) => d.id)).size;
  const answered = sent.filter((s) => s.status > 0);
  const latencies = answered.map((s) => s.ms).sort((a, b) => a - b);
  const pct = (p) =>
    latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil((p / 100) * latencies.length) - 1))] ?? NaN;
  const statusCounts = {};
  for (const s of sent)
    statusCounts[s.status || "network error"] = (statusCounts[s.status || "network error"] ?? 0) + 1;
  log(
    `\nload: ${int(sent.length)} requests (${int(uniqueSent)} distinct deliveries, ${int(sent.filter((s) => s.redelivery).length)} redeliveries), answers ${JSON.stringify(statusCounts)}; ack latency p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${latencies[latencies.length - 1]} ms`,
  );
  log(
    `redis: crashed (SIGKILL) at ${redisEvent.at?.toFixed(1)} s, back after ${redisEvent.downMs} ms with its AOF; ${redisEvent.sentWhileDown} deliveries sent while it was down or starting`,
  );
  const runsByStatus = await q("SELECT status, count(*)::int AS n FROM runs GROUP BY status ORDER BY status");
  const abandoned = await q(
    "SELECT phase, count(*)::int AS n FROM runs WHERE status = 'abandoned' GROUP BY phase ORDER BY n DESC",
  );
  const runCount = runsByStatus.reduce((a, r) => a + r.n, 0);
  const perFailure = await q("SELECT failure_key, count(*)::int AS n FROM runs GROUP BY failure_key");
  const recovered = perFailure.filter((r) => r.n > 1).length;
  log(
    `runs: ${runCount} fix runs for ${perFailure.length} failures (${runsByStatus.map((r) => `${r.status} ${r.n}`).join(", ")}); ${recovered} failures needed more than one run`,
  );
  log(
    `  runs that died with their worker, by the phase they were in: ${abandoned.map((r) => `${r.phase} ${r.n}`).join(", ") || "none"}`,
  );
  const [recovery] = await q(`SELECT
      count(*) FILTER (WHERE kind = 'run.abandoned' AND data ? 'by')::int AS taken_over,
      count(*) FILTER (WHERE kind = 'run.abandoned' AND NOT data ? 'by')::int AS found_stale,
      count(*) FILTER (WHERE kind = 'lease.waiting')::int AS waited,
      count(*) FILTER (WHERE kind = 'workspace.removed')::int AS worktrees_removed,
      count(*) FILTER (WHERE kind = 'pushed' AND data ? 'recoveredBy')::int AS pushes_recovered
    FROM ledger`);
  log(
    `  recovery: ${recovery.taken_over} dead runs' leases taken over by their job's next run, ${recovery.found_stale} dead runs found by staleness (next run or janitor), ${recovery.waited} runs waited for a lease, ${recovery.worktrees_removed} dead runs' worktrees removed, ${recovery.pushes_recovered} unrecorded pushes recovered`,
  );
  const hitPhases = {};
  for (const k of killEvents) for (const r of k.runs) hitPhases[r.phase] = (hitPhases[r.phase] ?? 0) + 1;
  log(
    `kills: ${killEvents.length} SIGKILLs of a worker's process group, each restarted after 0.5-2.5 s; fix runs they interrupted, by phase: ${
      Object.entries(hitPhases)
        .map(([p, n]) => `${p} ${n}`)
        .join(", ") || "none"
    }`,
  );
  for (const k of killEvents)
    log(
      `  ${k.at.toFixed(1).padStart(6)} s  worker-${k.worker} (pid ${k.pid}) running ${k.runs.map((r) => `${r.runId}@${r.phase}`).join(", ")}; restarted after ${k.restartAfter} ms`,
    );
  const decisions = await q(
    "SELECT verdict, coalesce(rule, '') AS rule, count(*)::int AS n FROM fix_decisions GROUP BY verdict, rule ORDER BY n DESC",
  );
  log(`fix decisions: ${decisions.map((d) => `${d.verdict}${d.rule ? ` (${d.rule})` : ""} ${d.n}`).join(", ")}`);
  if (queueFailed.length > 0)
    log(
      `BullMQ jobs failed for good: ${queueFailed.length}: ${queueFailed
        .slice(0, 5)
        .map((j) => `${j.id}: ${j.failedReason}`)
        .join("; ")}`,
    );
  if (api.state.unknown.length > 0)
    log(
      `GitHub stand-in: ${api.state.unknown.length} requests to routes it does not serve: ${[...new Set(api.state.unknown)].slice(0, 5).join(", ")}`,
    );

  // -------------------------------------------------------------------------------------------
  // The invariants.
  const checks = [];
  const check = (name, ok, detail, problems = []) => checks.push({ name, ok, detail, problems });

  // 1. Every accepted delivery is recorded (once) and was processed.
  const acceptedKeys = acceptedIds.map((id) => `github:${id}`);
  const [drow] = await q(
    "SELECT count(*)::int AS stored, count(processed_at)::int AS processed FROM deliveries WHERE delivery_key = ANY($1::text[])",
    [acceptedKeys],
  );
  const [dall] = await q("SELECT count(*)::int AS n FROM deliveries");
  check(
    "every accepted delivery recorded and processed",
    drow.stored === acceptedKeys.length &&
      drow.processed === acceptedKeys.length &&
      acceptedKeys.length === uniqueSent &&
      dall.n === uniqueSent,
    `${int(acceptedKeys.length)} accepted of ${int(uniqueSent)} distinct; ${int(drow.stored)} recorded, ${int(drow.processed)} processed; ${int(dall.n)} rows in deliveries`,
  );

  // 2. Every accepted failure: one failure row, exactly one diagnosis, status diagnosed, the right category.
  const expected = failures.filter(
    (f) => acceptedIds.includes(f.delivery.id) || (f.twin && acceptedIds.includes(f.twin)),
  );
  const frows = await q(
    `SELECT f.failure_key, f.status, count(d.failure_key)::int AS diagnoses, max(d.category) AS category, max(d.tool) AS tool, max(d.fingerprint) AS fingerprint
       FROM failures f LEFT JOIN diagnoses d ON d.failure_key = f.failure_key GROUP BY f.failure_key, f.status`,
  );
  const byKey = new Map(frows.map((r) => [r.failure_key, r]));
  const diagProblems = [];
  for (const f of expected) {
    const r = byKey.get(f.key);
    const want = f.kind === "fixable" ? "format" : "test";
    if (!r) diagProblems.push(`${f.key}: no failure row`);
    else if (r.diagnoses !== 1 || r.status !== "diagnosed")
      diagProblems.push(`${f.key}: ${r.diagnoses} diagnoses, status ${r.status}`);
    else if (r.category !== want) diagProblems.push(`${f.key}: diagnosed as ${r.category}/${r.tool}, expected ${want}`);
  }
  const unexpected = frows.filter((r) => !failures.some((f) => f.key === r.failure_key));
  for (const r of unexpected) diagProblems.push(`${r.failure_key}: a failure no delivery reported`);
  check(
    "every accepted failure has exactly one diagnosis",
    diagProblems.length === 0,
    `${int(expected.length)} failures (${opts.twins} of them also reported as check_run): ${int(expected.length - diagProblems.length)} with exactly one diagnosis of the right category; ${frows.length} failure rows`,
    diagProblems,
  );

  // 3. Every fixable failure's fix branch has exactly one pull request: one creation at the forge,
  //    no refused second attempt, one pull_requests row with the same number; the failures of
  //    the jest projects have none.
  const prProblems = [];
  const fingerprintOf = (key) => byKey.get(key)?.fingerprint ?? null;
  const fixTargets = new Map(); // `${repo}#${branch}` -> { repo, branch, failures: [] }
  for (const f of expected.filter((x) => x.kind === "fixable")) {
    const fp = fingerprintOf(f.key);
    if (!fp) continue;
    const repo = `${OWNER}/${f.repo.name}`;
    const branch = `sentinel/fix-${fp.replace(/^sfp1-/, "")}`;
    const t = fixTargets.get(`${repo}#${branch}`) ?? {
      repo,
      branch,
      remote: f.repo.remote,
      sha: f.repo.sha,
      failures: [],
    };
    t.failures.push(f.key);
    fixTargets.set(`${repo}#${branch}`, t);
  }
  const prRows = await q(
    "SELECT repo, head_branch, number, state, kind, run_id FROM pull_requests WHERE forge = 'github'",
  );
  for (const t of fixTargets.values()) {
    const created = api.state.created.filter((c) => c.repo === t.repo && c.head === t.branch);
    const refused = api.state.refused.filter((c) => c.repo === t.repo && c.head === t.branch);
    const rows = prRows.filter((r) => r.repo === t.repo && r.head_branch === t.branch);
    if (created.length !== 1) prProblems.push(`${t.repo} ${t.branch}: ${created.length} pull requests created`);
    if (refused.length > 0)
      prProblems.push(
        `${t.repo} ${t.branch}: ${refused.length} creations refused (${refused.map((x) => x.why).join("; ")})`,
      );
    if (rows.length !== 1 || (created[0] && rows[0]?.number !== created[0].number) || rows[0]?.state !== "open")
      prProblems.push(
        `${t.repo} ${t.branch}: pull_requests has ${rows.length} rows (${rows.map((r) => `#${r.number} ${r.state}`).join(", ")}), the forge #${created[0]?.number ?? "-"}`,
      );
  }
  const strayPrs = api.state.created.filter((c) => !fixTargets.has(`${c.repo}#${c.head}`));
  for (const c of strayPrs)
    prProblems.push(`${c.repo}: pull request #${c.number} for ${c.head}, which no fixable failure explains`);
  const fixableFailures = expected.filter((x) => x.kind === "fixable").length;
  check(
    "every fixable failure has exactly one pull request",
    prProblems.length === 0 &&
      fixTargets.size === new Set(expected.filter((x) => x.kind === "fixable").map((f) => f.repo.name)).size,
    `${fixableFailures} fixable failures (${opts.reruns} re-runs of a failed job) -> ${fixTargets.size} fix branches; ${api.state.created.length} pull requests created at the forge, ${api.state.refused.length} creations refused, ${api.state.updated.length} updates; ${prRows.length} pull_requests rows`,
    prProblems,
  );

  // 4. No branch half-pushed: every sentinel/* branch on every remote is one commit on top of the
  //    failing commit, its tree passes `cargo fmt --all --check`, its message names (Sentinel-Run)
  //    a run whose ledger says it pushed exactly this commit to this branch; the repositories are
  //    intact (git fsck), and the pull request was opened on a commit the ledger says was pushed.
  const pushed = await q(
    "SELECT run_id, data->>'branch' AS branch, data->>'commit' AS commit FROM ledger WHERE kind = 'pushed'",
  );
  const branchProblems = [];
  let branchesChecked = 0;
  // Each remote's fix branch's tree through `cargo fmt --all --check` (one cargo run for all).
  const fixHeads = [];
  for (const r of crates) {
    const line = (
      await gitAsync(r.remote, "for-each-ref", "--count=1", "--format=%(objectname)", "refs/heads/sentinel/")
    ).trim();
    if (line) fixHeads.push({ name: r.name, remote: r.remote, commit: line });
  }
  const fmtOfHeads = await cargoFmtCheckMany(fixHeads, tmp);
  await inParallel(allRepos, 2, async (r) => {
    const refs = (await gitAsync(r.remote, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/"))
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" "));
    for (const [ref] of refs)
      if (ref !== "main" && ref !== r.branch && !ref.startsWith("sentinel/fix-"))
        branchProblems.push(`${r.name}: unexpected branch ${ref}`);
    try {
      await gitAsync(r.remote, "fsck", "--connectivity-only", "--no-dangling", "--no-progress");
    } catch (error) {
      branchProblems.push(`${r.name}: git fsck: ${String(error.stderr ?? error.message).split("\n")[0]}`);
    }
    for (const [ref, commit] of refs.filter(([ref]) => ref.startsWith("sentinel/"))) {
      branchesChecked++;
      const repo = `${OWNER}/${r.name}`;
      if (r.kind !== "fixable") branchProblems.push(`${r.name}: ${ref} pushed to a project nothing could fix`);
      if (!fixTargets.has(`${repo}#${ref}`))
        branchProblems.push(`${r.name}: ${ref} is not the fix branch of any of its failures`);
      const message = await gitAsync(r.remote, "log", "-1", "--format=%B", commit);
      const runOf = /^Sentinel-Run: (\S+)$/m.exec(message)?.[1];
      if (!runOf) branchProblems.push(`${r.name}: ${ref} -> ${commit.slice(0, 10)} has no Sentinel-Run trailer`);
      else if (!pushed.some((p) => p.run_id === runOf && p.branch === ref && p.commit === commit))
        branchProblems.push(
          `${r.name}: ${ref} -> ${commit.slice(0, 10)} (run ${runOf}): the ledger has no push of this commit by that run`,
        );
      const parents = (await gitAsync(r.remote, "rev-list", "--parents", "-n", "1", commit)).split(" ").slice(1);
      if (parents.length !== 1 || parents[0] !== r.sha)
        branchProblems.push(`${r.name}: ${ref} is not one commit on the failing commit (parents ${parents.join(",")})`);
      const batched = fixHeads.find((h) => h.name === r.name && h.commit === commit) ? fmtOfHeads.get(r.name) : null;
      const fmt =
        batched ??
        (await cargoFmtCheck(r.remote, commit, tmp).then((x) => ({ ok: x.exitCode === 0, output: x.output })));
      if (!fmt.ok)
        branchProblems.push(
          `${r.name}: ${ref} -> ${commit.slice(0, 10)} fails cargo fmt --check: ${fmt.output.split("\n")[0]}`,
        );
      for (const c of api.state.created.filter((x) => x.repo === repo && x.head === ref)) {
        if (!pushed.some((p) => p.branch === ref && p.commit === c.headCommit))
          branchProblems.push(
            `${r.name}: pull request #${c.number} was opened on ${c.headCommit.slice(0, 10)}, which the ledger has no push of`,
          );
      }
    }
  });
  check(
    "no branch half-pushed",
    branchProblems.length === 0,
    `${branchesChecked} sentinel/* branches on ${allRepos.length} remotes: each a single verified commit on the failing commit, passing cargo fmt --check, pushed by the run its trailer names; git fsck clean`,
    branchProblems,
  );

  // 5. No orphan worktrees: each worker's worktrees folder is empty and no mirror still registers one.
  const wtProblems = [];
  let mirrors = 0;
  for (let i = 0; i < opts.workers; i++) {
    const wt = path.join(workDirOf(i), "worktrees");
    const left = existsSync(wt) ? readdirSync(wt) : [];
    for (const name of left) wtProblems.push(`worker-${i + 1}: ${path.join(wt, name)} left behind`);
    const mdir = path.join(workDirOf(i), "mirrors");
    for (const m of existsSync(mdir) ? readdirSync(mdir).filter((n) => n.endsWith(".git")) : []) {
      mirrors++;
      const list = await gitAsync(path.join(mdir, m), "worktree", "list", "--porcelain").catch(
        (e) => `error ${e.message}`,
      );
      const registered = list.split("\n").filter((l) => l.startsWith("worktree ")).length - 1;
      if (registered > 0) wtProblems.push(`worker-${i + 1}: mirror ${m} still registers ${registered} worktree(s)`);
    }
  }
  const [stillRunning] = await q("SELECT count(*)::int AS n FROM runs WHERE status = 'running'");
  if (stillRunning.n > 0) wtProblems.push(`${stillRunning.n} runs still marked running`);
  check(
    "no orphan worktrees",
    wtProblems.length === 0,
    `${opts.workers} work dirs, ${mirrors} mirrors: ${wtProblems.filter((p) => p.includes("left behind")).length} run folders left, ${wtProblems.filter((p) => p.includes("registers")).length} mirrors still registering a worktree, ${stillRunning.n} runs still marked running`,
    wtProblems,
  );

  // 6. The ledger verifies: the hash chain, and against the workers' checkpoint file.
  const verify = async (extra) => {
    try {
      const { stdout, stderr } = await execFileP(
        process.execPath,
        [path.join(root, "bin", "sentinel.js"), "audit", "verify", "--database-url", db.url, ...extra],
        { encoding: "utf8" },
      );
      return { code: 0, out: (stdout + stderr).trim() };
    } catch (error) {
      return { code: error.code, out: (String(error.stdout ?? "") + String(error.stderr ?? "")).trim() };
    }
  };
  const plain = await verify([]);
  const withCheckpoints = existsSync(checkpointFile)
    ? await verify(["--checkpoint", checkpointFile])
    : { code: -1, out: "no checkpoint file was written" };
  const checkpointLines = existsSync(checkpointFile)
    ? readFileSync(checkpointFile, "utf8").split("\n").filter(Boolean).length
    : 0;
  check("the ledger verifies", plain.code === 0, plain.out);
  const distinctHeads = existsSync(checkpointFile)
    ? new Set(
        readFileSync(checkpointFile, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l).seq),
      ).size
    : 0;
  check(
    "the ledger verifies against the checkpoint file",
    withCheckpoints.code === 0 && checkpointLines > 0,
    `${checkpointLines} checkpoint lines (${distinctHeads} distinct chain heads; workers restarted by the kills each wrote their own) in ${path.relative(root, checkpointFile)}: ${withCheckpoints.out}`,
  );

  // Also: one Sentinel check run per commit and one sticky comment per pull request at the forge.
  const perCommit = new Map();
  for (const c of api.state.checkRuns.values())
    perCommit.set(`${c.repo}@${c.sha}`, (perCommit.get(`${c.repo}@${c.sha}`) ?? 0) + 1);
  const dupChecks = [...perCommit.entries()].filter(([, n]) => n > 1);
  const perPr = new Map();
  for (const c of api.state.comments.values())
    perPr.set(`${c.repo}#${c.issue}`, (perPr.get(`${c.repo}#${c.issue}`) ?? 0) + 1);
  const dupComments = [...perPr.entries()].filter(([, n]) => n > 1);
  const prRepos = allRepos.filter((r) => r.pr).length;
  check(
    "one check run per commit, one sticky comment per pull request",
    dupChecks.length === 0 && dupComments.length === 0 && perPr.size === prRepos,
    `${api.state.checkRuns.size} check runs on ${perCommit.size} commits; ${api.state.comments.size} comments on ${perPr.size} of ${prRepos} people's pull requests`,
    [
      ...dupChecks.map(([k, n]) => `${k}: ${n} check runs`),
      ...dupComments.map(([k, n]) => `${k}: ${n} sticky comments`),
    ],
  );
  if (!settled) check("everything settled before the timeout", false, JSON.stringify(status));
  if (queueFailed.length > 0)
    check(
      "no queue job failed for good",
      false,
      `${queueFailed.length} failed jobs`,
      queueFailed.map((j) => `${j.id}: ${j.failedReason}`),
    );
  log(`leases left in Redis: ${leaseKeys}; BullMQ jobs failed for good: ${queueFailed.length}`);

  log(`\ninvariants:`);
  for (const c of checks) {
    log(`  ${c.ok ? "PASS" : "FAIL"}  ${c.name}: ${c.detail}`);
    for (const p of c.problems.slice(0, 15)) log(`          - ${p}`);
    if (c.problems.length > 15) log(`          … and ${c.problems.length - 15} more`);
  }
  failed = checks.some((c) => !c.ok);
  log(
    `\n${failed ? "FAILED" : "PASSED"}: ${runCount} fix runs, ${killEvents.length} worker kills, 1 Redis restart, ${elapsed()} in all (seed ${opts.seed})`,
  );
} catch (error) {
  failed = true;
  console.error(`\nbench failed: ${error.stack ?? error}`);
} finally {
  for (const c of cleanups.reverse()) {
    try {
      await c();
    } catch (error) {
      console.error(`cleanup: ${error.message}`);
    }
  }
  if (opts.keep) log(`kept: temp dir ${tmp}, logs ${outDir}`);
  else rmSync(tmp, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

async function countKeys(url, pattern) {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  r.on("error", () => {});
  try {
    let cursor = "0";
    let n = 0;
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      n += keys.length;
      cursor = next;
    } while (cursor !== "0");
    return n;
  } catch {
    return -1;
  } finally {
    r.disconnect();
  }
}
