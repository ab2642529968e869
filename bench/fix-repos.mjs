// `npm run bench:repos`: `sentinel fix` on real public repositories (issue #15's evaluation).
//
// For every case in bench/fix-repos/cases.yml: the repository is cloned at its pinned commit from
// SENTINEL_EVAL_REPOS (a folder of clones or bare mirrors, named `owner+name/repo`, `owner+name`,
// `owner/name` or `owner/name.git`), our defect is committed, and then, in the same run:
//   by hand:  git clone, install (when the case names one), the failing command, the project's own
//             fixer, the failing command again (verify), git commit
//   Sentinel: `sentinel fix --repo <clone> --command "<the failing command>" --format json`
// A fixable case counts as fixed only when Sentinel's commit has exactly the tree the project's own
// fixer produced; anything else it proposes is a wrong push. An unfixable case must be refused.
// Options: --only <id,id> (run some cases), --keep (keep the work folder), --json (machine output),
// --repeat N (each case N times, the two taking turns going first: medians, and each run's overhead).
// Exit code: 0 when every case scored as labelled, 1 otherwise, 2 when repositories are missing.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, "..", "bin", "sentinel.js");
const argValue = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const only = argValue("--only")?.split(",");
const keep = process.argv.includes("--keep");
const asJson = process.argv.includes("--json");
const repeat = Math.max(1, Number(argValue("--repeat") ?? 1) || 1);
const log = (s) => (asJson ? process.stderr : process.stdout).write(s + "\n");

const cases = parse(readFileSync(path.join(here, "fix-repos", "cases.yml"), "utf8")).filter(
  (c) => !only || only.includes(c.id),
);
const reposDir = process.env.SENTINEL_EVAL_REPOS;
if (!reposDir) {
  log(
    "bench:repos needs SENTINEL_EVAL_REPOS: a folder holding clones (or bare mirrors) of these repositories,\n" +
      "named owner+name (or owner/name):\n" +
      [...new Set(cases.map((c) => `  ${c.repo}`))].join("\n") +
      "\ne.g. for r in " +
      [...new Set(cases.map((c) => c.repo))].join(" ") +
      '; do git clone --bare "https://github.com/$r" "$DIR/${r/\\//+}"; done',
  );
  process.exit(2);
}

/** Where the named repository is, in any of the layouts the variable's folder may have. */
function sourceOf(repo) {
  const flat = repo.replace("/", "+");
  const candidates = [
    path.join(reposDir, flat, "repo"),
    path.join(reposDir, flat),
    path.join(reposDir, repo),
    path.join(reposDir, `${repo}.git`),
  ];
  return candidates.find((p) => existsSync(p));
}

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: "Eval",
  GIT_AUTHOR_EMAIL: "eval@example.invalid",
  GIT_COMMITTER_NAME: "Eval",
  GIT_COMMITTER_EMAIL: "eval@example.invalid",
  GIT_AUTHOR_DATE: "2026-01-01T00:00:00Z",
  GIT_COMMITTER_DATE: "2026-01-01T00:00:00Z",
};
const git = (cwd, ...args) =>
  execFileSync("git", ["-C", cwd, ...args], {
    env: gitEnv,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();

/** Runs a shell command the way a person would type it; returns its exit code, output and time. */
function sh(cwd, command, env = {}) {
  const started = performance.now();
  const r = spawnSync("sh", ["-c", command], {
    cwd,
    env: { ...gitEnv, ...env },
    encoding: "utf8",
    maxBuffer: 64 << 20,
    timeout: 900_000,
  });
  return { code: r.status ?? 1, output: `${r.stdout ?? ""}${r.stderr ?? ""}`, ms: performance.now() - started };
}

/** Applies our defect: every `find` must occur exactly once in its file. */
function applyDefect(dir, edits) {
  for (const e of edits) {
    const file = path.join(dir, e.file);
    const text = readFileSync(file, "utf8");
    const at = text.indexOf(e.find);
    if (at < 0 || text.indexOf(e.find, at + 1) >= 0)
      throw new Error(`defect does not apply: ${JSON.stringify(e.find)} is not exactly once in ${e.file}`);
    writeFileSync(file, text.slice(0, at) + e.replace + text.slice(at + e.find.length));
  }
}

const work = mkdtempSync(path.join(tmpdir(), "sentinel-bench-repos-"));
const dataDir = path.join(work, "sentinel-data");
const results = [];
let missing = 0;

/** The case done by hand in a fresh clone, timed step by step; the tree of the fix commit for fixed cases. */
function byHand(c, repoDir, userRepo, rep) {
  const hand = path.join(repoDir, `hand-${c.id}-${rep}`);
  rmSync(hand, { recursive: true, force: true });
  const handEnv = { npm_config_cache: path.join(repoDir, "hand-npm-cache") };
  const steps = {};
  let t = performance.now();
  execFileSync("git", ["clone", "-q", "--branch", `eval-${c.id}`, userRepo, hand], { env: gitEnv });
  steps.clone = performance.now() - t;
  if (c.byHand?.install) {
    const r = sh(hand, c.byHand.install, handEnv);
    steps.install = r.ms;
    if (r.code !== 0) throw new Error(`${c.id}: by-hand install failed:\n${r.output.slice(-2000)}`);
  }
  const check = sh(hand, c.command, handEnv);
  steps.check = check.ms;
  if (check.code === 0) throw new Error(`${c.id}: the defect does not make \`${c.command}\` fail`);
  let handTree = null;
  if (c.expect === "fixed") {
    const fix = sh(hand, c.byHand.fix, handEnv);
    steps.fix = fix.ms;
    const verify = sh(hand, c.command, handEnv);
    steps.verify = verify.ms;
    if (verify.code !== 0)
      throw new Error(`${c.id}: the project's own fixer does not make the check pass:\n${verify.output.slice(-2000)}`);
    t = performance.now();
    git(hand, "commit", "-q", "-am", "fix");
    steps.commit = performance.now() - t;
    handTree = git(hand, "rev-parse", "HEAD^{tree}");
  }
  const ms = Object.values(steps).reduce((a, b) => a + b, 0);
  return { hand, handTree, ms, steps };
}

/** `sentinel fix` as a user runs it, scored against the hand-made fix. */
function bySentinel(c, userRepo, byHandRun) {
  // Each repetition starts where a user does: no fix branch from an earlier one.
  for (const ref of git(userRepo, "for-each-ref", "--format=%(refname)", "refs/heads/sentinel/").split("\n"))
    if (ref) git(userRepo, "update-ref", "-d", ref);
  const t = performance.now();
  const run = spawnSync(
    process.execPath,
    [cli, "fix", "--repo", userRepo, "--command", c.command, "--format", "json", "--data-dir", dataDir],
    { encoding: "utf8", maxBuffer: 64 << 20, timeout: 900_000, env: process.env },
  );
  const ms = performance.now() - t;
  let outcome;
  try {
    outcome = JSON.parse(run.stdout);
  } catch {
    outcome = { status: "crashed", reason: `${run.stderr}`.trim().split("\n").slice(-5).join(" | ") };
  }
  let result;
  let detail = outcome.reason ?? "";
  const { handTree, hand } = byHandRun;
  if (outcome.status === "proposed") {
    const tree = git(userRepo, "rev-parse", `${outcome.commit}^{tree}`);
    if (handTree && tree === handTree) result = "fixed";
    else {
      result = "wrong";
      if (handTree) {
        git(userRepo, "fetch", "-q", hand, `HEAD:refs/eval/hand-${c.id}`);
        const differ = git(userRepo, "diff", "--name-only", `refs/eval/hand-${c.id}`, outcome.commit);
        detail = `differs from the project's fixer in: ${differ.split("\n").join(", ")}`;
      } else detail = `proposed a fix for a failure that needs a human: ${outcome.reason}`;
    }
  } else result = c.expect === "fixed" ? "missed" : "refused";
  return { ms, outcome, result, detail };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const seconds = (ms) => `${ms >= 0 ? "" : "-"}${(Math.abs(ms) / 1000).toFixed(1)} s`;

for (const c of cases) {
  const source = sourceOf(c.repo);
  if (!source) {
    log(`${c.id}: SKIPPED, ${c.repo} is not in ${reposDir}`);
    results.push({ id: c.id, ecosystem: c.ecosystem, expect: c.expect, result: "missing" });
    missing++;
    continue;
  }
  // One clone per repository, reset to the pinned commit for each case: Sentinel's mirror and
  // dependency cache, like the by-hand npm cache, are per repository and warm after its first case.
  const repoDir = path.join(work, c.repo.replace("/", "+"));
  const userRepo = path.join(repoDir, "repo");
  if (!existsSync(userRepo)) execFileSync("git", ["clone", "-q", "--no-checkout", source, userRepo], { env: gitEnv });
  git(userRepo, "checkout", "-q", "-f", "-B", `eval-${c.id}`, c.commit);
  applyDefect(userRepo, c.defect);
  git(userRepo, "commit", "-q", "-am", `eval defect: ${c.id}`);

  // With --repeat, the two take turns going first, so neither always meets the colder caches.
  const reps = [];
  // The first run by hand is the reference fix (its clone is kept for the case to show a wrong
  // push's differing files); later runs by hand are timed only.
  let reference = null;
  for (let i = 0; i < repeat; i++) {
    let handRun;
    let sentinelRun;
    if (i % 2 === 0) {
      handRun = byHand(c, repoDir, userRepo, i);
      reference ??= handRun;
      sentinelRun = bySentinel(c, userRepo, reference);
    } else {
      sentinelRun = bySentinel(c, userRepo, reference);
      handRun = byHand(c, repoDir, userRepo, i);
    }
    if (handRun !== reference) rmSync(handRun.hand, { recursive: true, force: true });
    reps.push({ handRun, sentinelRun });
  }
  // A case scores its worst repetition: one wrong push is a wrong push.
  const order = ["wrong", "missed", "refused", "fixed"];
  const worst = reps.map((r) => r.sentinelRun).sort((a, b) => order.indexOf(a.result) - order.indexOf(b.result))[0];
  const { result, detail, outcome } = worst;
  const sentinelMs = median(reps.map((r) => r.sentinelRun.ms));
  const handMs = median(reps.map((r) => r.handRun.ms));
  const row = {
    id: c.id,
    ecosystem: c.ecosystem,
    expect: c.expect,
    result,
    ok: (c.expect === "fixed" && result === "fixed") || (c.expect === "refused" && result === "refused"),
    sentinelMs: Math.round(sentinelMs),
    handMs: Math.round(handMs),
    overheadMs: Math.round(sentinelMs - handMs),
    runs: reps.map((r) => ({ sentinelMs: Math.round(r.sentinelRun.ms), handMs: Math.round(r.handRun.ms) })),
    hand: Object.fromEntries(Object.entries(reps[0].handRun.steps).map(([k, v]) => [k, Math.round(v)])),
    phases: outcome.phaseMs ?? {},
    status: outcome.status,
    agent: outcome.agentId ?? null,
    detail,
  };
  results.push(row);
  const each = repeat > 1 ? ` [${row.runs.map((r) => seconds(r.sentinelMs - r.handMs)).join(", ")}]` : "";
  log(
    `${row.ok ? "ok  " : "FAIL"} ${c.id.padEnd(34)} ${c.expect.padEnd(8)} -> ${result.padEnd(8)} ` +
      `sentinel ${(row.sentinelMs / 1000).toFixed(1)} s, by hand ${(row.handMs / 1000).toFixed(1)} s ` +
      `(${row.overheadMs >= 0 ? "+" : ""}${(row.overheadMs / 1000).toFixed(1)} s)${each}` +
      `${row.ok ? "" : `\n       ${outcome.status}: ${detail}`}`,
  );
  rmSync(reference.hand, { recursive: true, force: true });
}

const scored = results.filter((r) => r.result !== "missing");
const fixable = scored.filter((r) => r.expect === "fixed");
const unfixable = scored.filter((r) => r.expect === "refused");
const fixedOk = fixable.filter((r) => r.result === "fixed");
const overheads = fixedOk.map((r) => r.overheadMs).sort((a, b) => a - b);
const summary = {
  cases: scored.length,
  ecosystems: [...new Set(scored.map((r) => r.ecosystem))],
  fixable: { total: fixable.length, fixedExactly: fixedOk.length },
  wrongPushes: scored.filter((r) => r.result === "wrong").length,
  unfixable: { total: unfixable.length, refused: unfixable.filter((r) => r.result === "refused").length },
  overheadMs: overheads.length
    ? { median: overheads[Math.floor(overheads.length / 2)], max: overheads[overheads.length - 1] }
    : null,
  repeat,
  missing,
};
log(
  `\n${summary.cases} cases over ${summary.ecosystems.length} ecosystems (${summary.ecosystems.join(", ")})\n` +
    `  fixable: ${summary.fixable.fixedExactly}/${summary.fixable.total} fixed byte-identical to the project's own fixer\n` +
    `  wrong pushes: ${summary.wrongPushes}\n` +
    `  needs a human: ${summary.unfixable.refused}/${summary.unfixable.total} refused\n` +
    (summary.overheadMs
      ? `  time over doing it by hand (fixed cases): median ${(summary.overheadMs.median / 1000).toFixed(1)} s, max ${(summary.overheadMs.max / 1000).toFixed(1)} s\n`
      : ""),
);
if (asJson) process.stdout.write(JSON.stringify({ summary, results }, null, 2) + "\n");
if (!keep) rmSync(work, { recursive: true, force: true });
else log(`work folder kept: ${work}`);
process.exitCode = missing > 0 ? 2 : results.every((r) => r.ok) ? 0 : 1;
