// `npm run bench:fuzz`: bad input, and whether Sentinel survives it. Deterministic for a seed.
//
// Part 1, webhooks: Sentinel runs as deployed for webhooks (`node dist/main.js`, SENTINEL_ROLE=
// server, a fresh PostgreSQL database and Redis queue prefix, GitHub App and GitLab secrets set).
// The fuzzer sends malformed, truncated, mutated, non-object, deeply nested, invalid UTF-8,
// wrongly signed and wrongly typed requests, huge headers and URLs, broken HTTP framing, clients
// that hang up or trickle a body a byte at a time (cut with 408), and bodies over 25 MB (declared and chunked, still uploading when refused) to
// /api/github/webhooks and /api/gitlab/webhook, in rounds. Checked: the process never dies,
// every request that can be answered is answered (no hang, no reset) with the status that case
// deserves and never a 5xx, /healthz answers 200 after each round, and memory stays flat (RSS
// and V8 heap sampled after every round).
//
// Part 2, repository files: hostile `.github/sentinel.yml` configs, sentinel rule files and
// recipes (YAML bombs and aliases, tags, huge and deeply nested files, wrong types, backtracking
// regexes and globs, mutations of valid files) through the real validators in a child process
// (bench/lib/config-fuzz-worker.mjs) with a watchdog, then `sentinel validate` over the rule
// files. Checked: no crash, no validator throwing, no hang, memory flat.
//
// Options: --seed N (default 1), --requests N (webhook requests, default 10000), --configs N
// (repository files, default 1000), --rounds N (default 8: fewer cannot tell RSS that oscillates from RSS that grows), --oversized N (requests over 25 MB,
// default 8), --concurrency N (default 16), --watchdog S (seconds one file may take, default 10),
// --keep (keep database, queue keys and logs).
import { fork, spawnSync } from "node:child_process";
import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { configCaseGenerator } from "./lib/config-fuzz-cases.mjs";
import { createFuzzClient } from "./lib/http-fuzz-client.mjs";
import { httpCaseGenerator } from "./lib/http-fuzz-cases.mjs";
import { githubFailedWorkflowJob, gitlabFailedJob } from "./lib/payloads.mjs";
import { connectHeapProbe, INSPECT_ARGS } from "./lib/heap-probe.mjs";
import { freePort, rssOf, startServer } from "./lib/processes.mjs";
import { createRng } from "./lib/rng.mjs";
import { freshDatabase, freshQueuePrefix, REDIS_URL } from "./lib/services.mjs";
import { int, mb, ms, percentile, verdict } from "./lib/stats.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const num = (name, fallback) => {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} needs a non-negative integer, got ${argv[i + 1]}`);
  return v;
};
const opts = {
  seed: num("--seed", 1),
  requests: num("--requests", 10_000),
  configs: num("--configs", 1000),
  rounds: Math.max(1, num("--rounds", 8)),
  oversized: num("--oversized", 8),
  concurrency: Math.max(1, num("--concurrency", 16)),
  watchdogMs: num("--watchdog", 10) * 1000,
  keep: argv.includes("--keep"),
};
/**
 * Memory is flat when, after a full garbage collection, (1) the V8 heap and the memory outside it
 * (Buffers) end the last round within max(8 MB, 10%) of where round 1 ended: a JavaScript leak
 * grows them round after round; and (2) RSS has levelled off: the last round is within 10% of the
 * highest earlier round. RSS steps up after large transient bodies (the allocator keeps freed
 * pages) and then stays; a native leak keeps climbing.
 */
function memoryFlat(rounds) {
  const first = rounds[0];
  const last = rounds[rounds.length - 1];
  const within = (a, b) => b <= a + Math.max(8 * 1024 * 1024, 0.1 * a);
  const heap = within(first.heapUsed, last.heapUsed) && within(first.external, last.external);
  const earlierRss = Math.max(...rounds.slice(0, -1).map((r) => r.rss));
  const rss = rounds.length < 2 || last.rss <= earlierRss * 1.1;
  return {
    heap,
    rss,
    text: `heap ${mb(first.heapUsed)} -> ${mb(last.heapUsed)}, outside the heap ${mb(first.external)} -> ${mb(last.external)}: ${heap ? "flat" : "GREW"}; RSS ${rounds.map((r) => mb(r.rss).replace(" MB", "")).join(" -> ")} MB: ${rss ? "levelled off" : "STILL CLIMBING"}`,
  };
}

const runId = `s${opts.seed}`;
const outDir = path.join(here, "out", `fuzz-${runId}-${Date.now().toString(36)}`);
mkdirSync(outDir, { recursive: true });
/** Each failure is filed under the verdict it breaks. */
const VERDICTS = {
  crash: "webhooks: zero crashes (Sentinel alive, /healthz 200 after every round)",
  answered:
    "webhooks: every request answered (no hang, no reset), with the status its case deserves, never an unexpected 5xx",
  files: "repository files: every one validated without the validator throwing, crashing or hanging",
  memory: "memory flat (Sentinel, and the validating process)",
};
const failures = [];
const fail = (verdictKey, what) => failures.push({ verdictKey, what });

console.log(
  `fuzz bench, seed ${opts.seed}: ${int(opts.requests)} webhook requests (+${opts.oversized} over 25 MB) in ${opts.rounds} rounds, ${int(opts.configs)} repository files; ${os.cpus().length} cores, node ${process.version}`,
);

// ---------------------------------------------------------------------------------------------
// Part 1: webhooks.
const githubSecret = `fuzz-github-${runId}`;
const gitlabSecret = `fuzz-gitlab-${runId}`;
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const db = await freshDatabase("fuzz");
const queue = await freshQueuePrefix("fuzz");
let sentinel;
let probe;
try {
  const port = await freePort();
  sentinel = await startServer({
    name: "Sentinel",
    script: path.join(here, "..", "dist", "main.js"),
    port,
    logFile: path.join(outDir, "sentinel.log"),
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      HOST: "127.0.0.1",
      PORT: String(port),
      SENTINEL_ROLE: "server",
      DATABASE_URL: db.url,
      REDIS_URL,
      SENTINEL_QUEUE_PREFIX: queue.prefix,
      APP_ID: "4242",
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: githubSecret,
      GITLAB_WEBHOOK_SECRET: gitlabSecret,
      ...(process.env.MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX } : {}),
    },
    // The inspector lets the fuzzer force a full garbage collection before it samples memory.
    nodeArgs: INSPECT_ARGS,
  });
  probe = await connectHeapProbe(sentinel.pid, sentinel.logFile);
  console.log(
    `\nwebhooks: Sentinel pid ${sentinel.pid} (SENTINEL_ROLE=server, PostgreSQL ${db.name}, Redis prefix ${queue.prefix}), ${opts.concurrency} requests at a time`,
  );

  const generator = httpCaseGenerator(createRng(opts.seed), {
    githubSecret,
    gitlabSecret,
    githubBody: JSON.stringify(githubFailedWorkflowJob()),
    gitlabBody: JSON.stringify(gitlabFailedJob()),
    runId,
  });
  const client = createFuzzClient(sentinel.url, opts.concurrency);
  const digest = createHash("sha256");
  const byKind = new Map();
  const memory = [{ label: "before", ...(await memoryOf(sentinel, probe)) }];
  const perRound = Math.ceil(opts.requests / opts.rounds);
  let sent = 0;
  for (let round = 1; round <= opts.rounds; round++) {
    const cases = [];
    for (let i = 0; i < perRound && sent < opts.requests; i++, sent++) cases.push(generator.next());
    // The oversized ones are spread over the rounds, so memory is sampled after some of each.
    const big =
      Math.floor((opts.oversized * round) / opts.rounds) - Math.floor((opts.oversized * (round - 1)) / opts.rounds);
    for (let i = 0; i < big; i++) cases.push(generator.next(true));
    for (const c of cases) digest.update(c.kind).update(c.bytes ?? c.body ?? "");
    const t0 = performance.now();
    await runAll(cases, opts.concurrency, async (c) => record(byKind, c, await client.send(c)));
    const health = await healthz(sentinel);
    memory.push({ label: `round ${round}`, ...(await memoryOf(sentinel, probe)) });
    const m = memory[memory.length - 1];
    console.log(
      `  round ${round}: ${int(cases.length)} requests in ${((performance.now() - t0) / 1000).toFixed(1)} s; /healthz ${health}; Sentinel RSS ${mb(m.peakRss)} at the end of the round, ${mb(m.rss)} after a full GC (V8 heap used ${mb(m.heapUsed)})`,
    );
    if (health !== 200) fail("crash", `/healthz answered ${health} after round ${round}`);
    if (!sentinel.alive()) {
      fail("crash", `Sentinel died in round ${round}: ${JSON.stringify(sentinel.exitStatus())}`);
      break;
    }
  }
  await client.close();
  const readyz = await fetch(`${sentinel.url}/readyz`).then(
    async (r) => `${r.status} ${await r.text()}`.trim(),
    (e) => e.message,
  );
  console.log(`  cases digest (same seed, same cases): ${digest.digest("hex").slice(0, 16)}; /readyz after: ${readyz}`);

  console.log(
    "\n  case                               sent  answered  statuses                          unexpected  5xx  reset  hang",
  );
  const totals = { sent: 0, answered: 0, unexpected: 0, server5xx: 0, reset: 0, hang: 0, hungUp: 0 };
  for (const [kind, k] of [...byKind].sort(([a], [b]) => a.localeCompare(b))) {
    for (const key of Object.keys(totals)) totals[key] += k[key];
    const statuses = Object.entries(k.statuses)
      .map(([s, n]) => `${s}:${n}`)
      .join(" ");
    console.log(
      `  ${kind.padEnd(32)} ${int(k.sent).padStart(6)} ${int(k.answered).padStart(9)}  ${statuses.padEnd(32)} ${int(k.unexpected).padStart(10)} ${int(k.server5xx).padStart(4)} ${int(k.reset).padStart(6)} ${int(k.hang).padStart(5)}${k.examples.length ? `   e.g. ${k.examples.join("; ")}` : ""}`,
    );
  }
  const needAnswer = totals.sent - totals.hungUp;
  console.log(
    `  total: ${int(totals.sent)} requests (${int(totals.hungUp)} clients hung up on purpose); ${int(totals.answered)} of ${int(needAnswer)} answerable answered; ${totals.unexpected} unexpected statuses, ${totals.server5xx} 5xx, ${totals.reset} resets, ${totals.hang} hangs`,
  );
  if (totals.answered !== needAnswer)
    fail(
      "answered",
      `${needAnswer - totals.answered} requests not answered (${totals.reset} reset, ${totals.hang} hung)`,
    );
  if (totals.server5xx > 0) fail("answered", `${totals.server5xx} answers were an unexpected 5xx`);
  if (totals.unexpected > 0) fail("answered", `${totals.unexpected} answers had a status the case does not deserve`);
  if (totals.sent < opts.requests) fail("answered", `only ${totals.sent} of ${opts.requests} requests were sent`);

  console.log("\n  memory (Sentinel process, after a full GC; RSS before it in brackets):");
  for (const m of memory)
    console.log(
      `    ${m.label.padEnd(10)} RSS ${mb(m.rss).padStart(9)}   V8 heap ${mb(m.heapUsed).padStart(9)}   outside the heap ${mb(m.external).padStart(9)}   (${mb(m.peakRss)})`,
    );
  const flat = memoryFlat(memory.slice(1));
  console.log(`    rounds 1-${memory.length - 1}: ${flat.text}`);
  if (!flat.heap) fail("memory", "Sentinel's heap or Buffer memory grew across rounds");
  if (!flat.rss) fail("memory", "Sentinel's RSS kept climbing across rounds");
  if (!sentinel.alive()) fail("crash", "Sentinel is not running after the webhook fuzz");
} catch (error) {
  fail("crash", `webhook fuzz aborted: ${error.stack ?? error}`);
} finally {
  probe?.close();
  await sentinel?.stop();
  if (opts.keep) console.log(`  kept: database ${db.url}, Redis keys ${queue.prefix}:*, log ${outDir}/sentinel.log`);
  else {
    await db.drop();
    await queue.remove();
  }
}

// ---------------------------------------------------------------------------------------------
// Part 2: hostile repository files.
console.log(
  `\nrepository files: ${int(opts.configs)} hostile configs, rule files and recipes through the validators (watchdog ${opts.watchdogMs / 1000} s per file)`,
);
const configs = configCaseGenerator(createRng(opts.seed ^ 0x5eed));
const cases = Array.from({ length: opts.configs }, (_, id) => ({ id, ...configs.next() }));
const fileStats = new Map();
const workerMemory = [];
let worker = null;
const startWorker = () =>
  new Promise((resolve, reject) => {
    // --expose-gc: the worker collects garbage before it reports its memory.
    const child = fork(path.join(here, "lib", "config-fuzz-worker.mjs"), [], {
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      execArgv: ["--expose-gc"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-2000)));
    child.once("message", (m) =>
      m.ready ? resolve({ child, stderr: () => stderr }) : reject(new Error("worker did not start")),
    );
    child.once("exit", (code, signal) =>
      reject(new Error(`worker exited (${code ?? signal}) before it was ready: ${stderr}`)),
    );
  });
const runCase = (w, c) =>
  new Promise((resolve) => {
    const timer = setTimeout(() => finish({ hang: true }), opts.watchdogMs);
    const onMessage = (m) => m.id === c.id && finish(m);
    const onExit = (code, signal) =>
      finish({ crashed: `${code ?? signal}: ${w.stderr().split("\n").slice(-3).join(" ")}` });
    function finish(result) {
      clearTimeout(timer);
      w.child.off("message", onMessage);
      w.child.off("exit", onExit);
      resolve(result);
    }
    w.child.on("message", onMessage);
    w.child.once("exit", onExit);
    w.child.send(c);
  });
try {
  worker = await startWorker();
  workerMemory.push({ label: "start", ...(await workerMemoryOf(worker)) });
  const perRound = Math.ceil(cases.length / opts.rounds);
  for (let round = 1; round <= opts.rounds; round++) {
    let restarted = false;
    for (const c of cases.slice((round - 1) * perRound, round * perRound)) {
      const r = await runCase(worker, c);
      const label = `${c.kind} ${describe(c)}`;
      const s = fileStats.get(c.kind) ?? { count: 0, threw: 0, hangs: 0, crashes: 0, times: [], examples: [] };
      fileStats.set(c.kind, s);
      s.count++;
      if (r.hang || r.crashed) {
        if (r.hang) s.hangs++;
        else s.crashes++;
        if (s.examples.length < 4) s.examples.push(`${r.hang ? "HANG" : "CRASH"} ${label}`);
        writeFileSync(path.join(outDir, `${r.hang ? "hang" : "crash"}-${c.id}${path.extname(c.file)}`), c.text);
        worker.child.kill("SIGKILL");
        worker = await startWorker();
        restarted = true;
        continue;
      }
      s.times.push(r.ms);
      if (!r.ok) {
        s.threw++;
        if (s.examples.length < 4) s.examples.push(`THREW ${label}: ${r.error.split("\n")[0]}`);
      }
    }
    workerMemory.push({ label: `round ${round}`, restarted, ...(await workerMemoryOf(worker)) });
  }
} catch (error) {
  fail("files", `repository-file fuzz aborted: ${error.stack ?? error}`);
} finally {
  worker?.child.kill("SIGKILL");
}
console.log("  kind       files  threw  hangs  crashes   p50 time   p99 time   max time");
const fileTotals = { count: 0, threw: 0, hangs: 0, crashes: 0 };
for (const [kind, s] of fileStats) {
  for (const k of Object.keys(fileTotals)) fileTotals[k] += s[k];
  console.log(
    `  ${kind.padEnd(9)} ${int(s.count).padStart(6)} ${int(s.threw).padStart(6)} ${int(s.hangs).padStart(6)} ${int(s.crashes).padStart(8)} ${ms(percentile(s.times, 50)).padStart(10)} ${ms(percentile(s.times, 99)).padStart(10)} ${ms(Math.max(...s.times)).padStart(10)}`,
  );
  for (const e of s.examples) console.log(`      ${e}`);
}
if (fileTotals.threw > 0)
  fail("files", `${fileTotals.threw} files made a validator throw (they promise to report, never throw)`);
if (fileTotals.hangs > 0)
  fail(
    "files",
    `${fileTotals.hangs} files took longer than the ${opts.watchdogMs / 1000} s watchdog (hang); kept in ${outDir}`,
  );
if (fileTotals.crashes > 0)
  fail("files", `${fileTotals.crashes} files crashed the validating process; kept in ${outDir}`);
console.log("  memory (validating process, after a full GC):");
for (const m of workerMemory)
  console.log(
    `    ${m.label.padEnd(10)} RSS ${mb(m.rss).padStart(9)}   V8 heap ${mb(m.heapUsed).padStart(9)}   outside the heap ${mb(m.external).padStart(9)}${m.restarted ? "   (restarted after a hang or crash in this round: not comparable)" : ""}`,
  );
if (workerMemory.length > 2 && !workerMemory.some((m) => m.restarted)) {
  const flat = memoryFlat(workerMemory.slice(1));
  console.log(`    rounds 1-${workerMemory.length - 1}: ${flat.text}`);
  if (!flat.heap) fail("memory", "the validating process's heap or Buffer memory grew across rounds");
  if (!flat.rss) fail("memory", "the validating process's RSS kept climbing across rounds");
} else if (workerMemory.some((m) => m.restarted))
  console.log("    (not judged: the process was restarted after a hang or crash)");

// `sentinel validate` itself over the hostile rule files, as a user would run it.
const ruleDir = path.join(outDir, "rules");
mkdirSync(ruleDir, { recursive: true });
const ruleCases = cases.filter((c) => c.kind === "rule" && !(c.text.length > 2 * 1024 * 1024)).slice(0, 200);
for (const c of ruleCases) writeFileSync(path.join(ruleDir, path.basename(c.file)), c.text);
const t0 = performance.now();
const cli = spawnSync(
  process.execPath,
  [path.join(here, "..", "bin", "sentinel.js"), "validate", ruleDir, "--format", "json"],
  { encoding: "utf8", timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
);
let report = null;
try {
  report = JSON.parse(cli.stdout);
} catch {
  // reported below
}
const cliOk = (cli.status === 0 || cli.status === 1) && report !== null;
console.log(
  `  sentinel validate over ${ruleCases.length} of them: exit ${cli.status ?? cli.signal} in ${ms(performance.now() - t0)}, ${report ? `${report.sentinels.length} sentinels loaded, ${report.issues.length} issues reported` : `no JSON report: ${(cli.stderr || cli.error?.message || "").slice(0, 300)}`}`,
);
if (!cliOk) fail("files", `sentinel validate did not finish with a report (exit ${cli.status ?? cli.signal})`);

console.log("\nverdict:");
for (const [key, name] of Object.entries(VERDICTS)) {
  const broken = failures.filter((f) => f.verdictKey === key);
  console.log(`  ${verdict(broken.length === 0).padEnd(8)} ${name}`);
  for (const f of broken) console.log(`             - ${f.what}`);
}
process.exit(failures.length > 0 ? 1 : 0);

// ---------------------------------------------------------------------------------------------

function record(byKind, c, result) {
  const k = byKind.get(c.kind) ?? {
    sent: 0,
    answered: 0,
    unexpected: 0,
    server5xx: 0,
    reset: 0,
    hang: 0,
    hungUp: 0,
    statuses: {},
    examples: [],
  };
  byKind.set(c.kind, k);
  k.sent++;
  if (result.hungUp) {
    k.hungUp++;
    return;
  }
  if (result.status !== undefined) {
    k.answered++;
    k.statuses[result.status] = (k.statuses[result.status] ?? 0) + 1;
    // A 5xx the case expects (503 from a route that is not configured) is an answer, not a failure.
    if (result.status >= 500 && !c.expect?.includes(result.status)) k.server5xx++;
    if (c.expect && !c.expect.includes(result.status)) {
      k.unexpected++;
      if (k.examples.length < 2) k.examples.push(`${result.status} (wanted ${c.expect.join("/")})`);
    }
  } else if (result.timedOut) k.hang++;
  else {
    k.reset++;
    if (k.examples.length < 2) k.examples.push(`no answer: ${result.error}`);
  }
}

/** Runs `fn` over `items`, `concurrency` at a time. */
async function runAll(items, concurrency, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

async function healthz(server) {
  try {
    const res = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    return res.status;
  } catch (error) {
    return `no answer (${error.message})`;
  }
}

/** RSS as the round left it, then RSS and V8 heap after a full garbage collection (through the inspector). */
async function memoryOf(server, heapProbe) {
  const peakRss = rssOf(server.pid);
  return { peakRss, ...(await heapProbe.afterGc()) };
}

function workerMemoryOf(w) {
  return new Promise((resolve) => {
    const onMessage = (m) => {
      if (!m.memory) return;
      w.child.off("message", onMessage);
      resolve(m.memory);
    };
    w.child.on("message", onMessage);
    w.child.send({ gc: true });
  });
}

function describe(c) {
  const first = c.text.slice(0, 60).replace(/\s+/g, " ");
  return `(${c.file}, ${int(c.text.length)} chars: ${JSON.stringify(first)}${c.text.length > 60 ? "…" : ""})`;
}
