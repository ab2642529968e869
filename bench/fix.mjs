// `npm run bench:fix`: the fix pipeline's own overhead. For a real Rust crate whose formatting
// check fails, it times in one run:
//   by hand: git clone + cargo fmt --check (diagnose) + cargo fmt + cargo fmt --check (verify) + commit + push
//   Sentinel cold: runFix through the local forge with an empty mirror cache (clones)
//   Sentinel warm: runFix again on a new failing commit (the mirror only fetches)
//   the service: a signed workflow_job webhook to a pull request opened, against a local stand-in API
//   the ESLint case: a JavaScript project by hand (clone, npm ci, eslint, eslint --fix, eslint,
//     commit, push) and through Sentinel (needs the npm registry for ESLint's packages)
// and prints each run's phases. Options: --files N (source files in the crate, default 200),
// --history-mb N (history a clone transfers but a checkout does not write, default 20).
import { execFileSync, spawn } from "node:child_process";
import { createHmac, generateKeyPairSync } from "node:crypto";
import { createRequire } from "node:module";
import { startFromEnv } from "../dist/main.js";
import { startFakeForgeApi } from "../scripts/demo/fake-forge-api.mjs";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { localFixDeps, runFix } from "../dist/pipeline/index.js";
import { openDatabase, RunStore } from "../dist/store/index.js";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const files = arg("--files", 200);
const historyMb = arg("--history-mb", 20);
const root = mkdtempSync(path.join(tmpdir(), "sentinel-bench-fix-"));
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: "b",
  GIT_AUTHOR_EMAIL: "b@example.invalid",
  GIT_COMMITTER_NAME: "b",
  GIT_COMMITTER_EMAIL: "b@example.invalid",
  GIT_CONFIG_GLOBAL: "/dev/null",
};
const sh = (cwd, cmd, args, ok = [0]) => {
  try {
    return execFileSync(cmd, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    if (!ok.includes(e.status)) throw e;
    return e.stdout;
  }
};
const timed = (fn) => {
  const t = process.hrtime.bigint();
  const r = fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, r];
};

// A crate with many well-formatted modules and one badly formatted line per commit.
const repo = path.join(root, "repo");
mkdirSync(path.join(repo, "src"), { recursive: true });
sh(repo, "git", ["init", "-q", "-b", "main"]);
writeFileSync(path.join(repo, "Cargo.toml"), '[package]\nname = "benchcrate"\nversion = "0.1.0"\nedition = "2021"\n');
writeFileSync(path.join(repo, ".gitignore"), "target/\n");
const mods = Array.from({ length: files }, (_, i) => `m${i}`);
for (const m of mods)
  writeFileSync(path.join(repo, "src", `${m}.rs`), `pub fn value() -> u32 {\n    ${mods.indexOf(m)}\n}\n`);
const main = (bad) =>
  `${mods.map((m) => `mod ${m};`).join("\n")}\n\nfn main() {\n    println!("{}", m0::value());\n}\n${bad}`;
// History a clone must transfer but a checkout does not write: assets added, then removed.
mkdirSync(path.join(repo, "assets"));
let seed = 7;
const noise = (n) =>
  Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 36).toString(36)).join("");
for (let i = 0; i < historyMb; i++) writeFileSync(path.join(repo, "assets", `blob${i}.txt`), noise(1024 * 1024));
sh(repo, "git", ["add", "-A"]);
sh(repo, "git", ["commit", "-q", "-m", "vendored assets"]);
sh(repo, "git", ["rm", "-q", "-r", "assets"]);
writeFileSync(path.join(repo, "src/main.rs"), main('fn broken(){let x=1;println!("{}",x);}\n'));
sh(repo, "git", ["add", "-A"]);
sh(repo, "git", ["commit", "-q", "-m", "broken formatting"]);
const sha1 = sh(repo, "git", ["rev-parse", "HEAD"]).trim();

// Served over git:// (git daemon), so a clone transfers objects as it would from a forge
// instead of hardlinking them from a local path.
const port = 19000 + Math.floor(Math.random() * 1000);
const daemon = spawn(
  "git",
  [
    "daemon",
    "--reuseaddr",
    "--export-all",
    "--enable=receive-pack",
    `--base-path=${root}`,
    "--listen=127.0.0.1",
    `--port=${port}`,
    root,
  ],
  { stdio: "ignore" },
);
const remote = `git://127.0.0.1:${port}/repo`;
sh(repo, "git", ["config", "receive.denyCurrentBranch", "updateInstead"]);
for (let i = 0; i < 50; i++) {
  try {
    sh(root, "git", ["ls-remote", remote]);
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 100));
  }
}

// By hand, the same commands Sentinel runs.
const hand = path.join(root, "by-hand");
const steps = {};
[steps.clone] = timed(() => sh(root, "git", ["clone", "-q", remote, hand]));
let checkOutput;
[steps.diagnose, checkOutput] = timed(() => sh(hand, "cargo", ["fmt", "--all", "--check"], [0, 1]));
[steps.fix] = timed(() => sh(hand, "cargo", ["fmt", "--all"]));
[steps.verify] = timed(() => sh(hand, "cargo", ["fmt", "--all", "--check"]));
[steps.commitPush] = timed(() => {
  sh(hand, "git", ["checkout", "-q", "-b", "by-hand-fix"]);
  sh(hand, "git", ["commit", "-qam", "fix"]);
  sh(hand, "git", ["push", "-q", "origin", "by-hand-fix"]);
});
const handTotal = Object.values(steps).reduce((a, b) => a + b, 0);

const db = await openDatabase({});
const runs = new RunStore(db);
const deps = await localFixDeps({
  runs,
  repo: remote,
  mirrorsDir: path.join(root, "mirrors"),
  workRoot: path.join(root, "worktrees"),
});
const run = async (sha) => {
  const t = process.hrtime.bigint();
  const out = await runFix(deps, {
    forge: "local",
    repo: remote,
    sha,
    baseBranch: "main",
    failingCommand: ["cargo", "fmt", "--all", "--check"],
  });
  const mirror = (await runs.ledger(out.runId)).find((e) => e.kind === "workspace.mirror")?.data;
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, out, mirrorMs: mirror?.ms };
};
const cold = await run(sha1);
writeFileSync(path.join(repo, "src/main.rs"), main('fn broken2(){let y=2;println!("{}",y);}\n'));
sh(repo, "git", ["commit", "-qam", "broken again"]);
const warm = await run(sh(repo, "git", ["rev-parse", "HEAD"]).trim());
await db.close();

// The whole service path: a signed workflow_job webhook accepted -> log read -> diagnosis ->
// check run and sticky comment -> fix job -> governed pipeline -> pull request opened, against
// a local stand-in for the GitHub API (reached as GitHub Enterprise Server).
writeFileSync(path.join(repo, "src/main.rs"), main('fn broken3(){let z=3;println!("{}",z);}\n'));
sh(repo, "git", ["commit", "-qam", "broken a third time"]);
const sha3 = sh(repo, "git", ["rev-parse", "HEAD"]).trim();
const stamp = (i) => new Date(Date.UTC(2026, 10, 22, 9, 0, 0) + i).toISOString().replace("Z", "0000Z");
const actionsLog = (command, output) =>
  [
    "##[group]Run " + command,
    command,
    "##[endgroup]",
    ...output.trimEnd().split("\n"),
    "##[error]Process completed with exit code 1.",
  ]
    .map((l, i) => `${stamp(i)} ${l}`)
    .join("\n") + "\n";
const examples = createRequire(import.meta.url)("@octokit/webhooks-examples/api.github.com/index.json");
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

/**
 * A signed workflow_job webhook for `sha` of the repository `repoDir` (served over HTTP by the
 * stand-in forge, as GitHub Enterprise Server serves git on its own host), whose job printed
 * `jobLog`, from the moment Sentinel accepted it to the pull request it opened; with the fix
 * run's phases.
 */
async function webhookToPullRequest(name, repoDir, sha, jobLog) {
  const job = structuredClone(
    examples.find((e) => e.name === "workflow_job").examples.find((x) => x.workflow_job.conclusion === "failure"),
  );
  const gitRoot = path.join(root, `service-git-${name}`);
  sh(root, "git", ["clone", "-q", "--bare", repoDir, path.join(gitRoot, `${job.repository.full_name}.git`)]);
  const api = await startFakeForgeApi({
    githubRepo: job.repository.full_name,
    githubRepoId: job.repository.id,
    gitRoot,
    gitlabProjectId: 1,
    logs: { 9001: jobLog },
    traces: {},
    pulls: {},
    mergeRequests: {},
    githubConfig: "mode: propose\n",
  });
  const sentinel = await startFromEnv({
    PORT: "0",
    LOG_LEVEL: "silent",
    APP_ID: "1",
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: "bench",
    GHE_HOST: `127.0.0.1:${api.port}`,
    GHE_PROTOCOL: "http",
    SENTINEL_DATA_DIR: ":memory:",
    SENTINEL_WORK_DIR: path.join(root, `service-work-${name}`),
    SENTINEL_SANDBOX: "preferred",
  });
  job.installation = { id: 1 };
  Object.assign(job.workflow_job, { id: 9001, head_sha: sha, head_branch: "main", name });
  const body = JSON.stringify(job);
  const posted = performance.now();
  const res = await fetch(`http://127.0.0.1:${sentinel.port}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "workflow_job",
      "x-github-delivery": `bench-${name}`,
      "x-hub-signature-256": "sha256=" + createHmac("sha256", "bench").update(body).digest("hex"),
    },
    body,
  });
  const accepted = performance.now();
  while (api.state.pullRequests.length === 0 && performance.now() - accepted < 180_000)
    await new Promise((r) => setTimeout(r, 5));
  const opened = api.state.pullRequests[0]?.at ?? NaN;
  await sentinel.queue.idle(180_000);
  const { rows } = await sentinel.store.db.query("SELECT outcome FROM runs ORDER BY started_at DESC LIMIT 1");
  await sentinel.close();
  await api.close();
  return {
    status: res.status,
    ackMs: accepted - posted,
    toPrMs: opened - accepted,
    phases: rows[0]?.outcome?.phaseMs ?? {},
  };
}
const service = await webhookToPullRequest("fmt", repo, sha3, actionsLog("cargo fmt --all --check", checkOutput));

const fmt = (n) => `${n.toFixed(0)} ms`;
const phases = (o) =>
  Object.entries(o.out.phaseMs)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
console.log(
  `crate: ${files + 1} source files, ${historyMb} MB of history, served over git://; sandbox: ${deps.sandbox}`,
);
console.log(
  `by hand:        ${fmt(handTotal)}  (${Object.entries(steps)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(", ")})`,
);
console.log(
  `Sentinel cold:  ${fmt(cold.ms)}  ${cold.out.status}; mirror clone ${fmt(cold.mirrorMs)}; phases ms: ${phases(cold)}`,
);
console.log(
  `Sentinel warm:  ${fmt(warm.ms)}  ${warm.out.status}; mirror fetch ${fmt(warm.mirrorMs)}; phases ms: ${phases(warm)}`,
);
const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
console.log(`ratio to by hand: cold ${ratio(cold.ms, handTotal)}, warm ${ratio(warm.ms, handTotal)}`);
console.log(
  `overhead vs by hand: cold ${fmt(cold.ms - handTotal)}, warm ${fmt(warm.ms - handTotal)} (target <= 1000 ms); warm is ${fmt(cold.ms - warm.ms)} faster than cold (clone by hand took ${fmt(steps.clone)})`,
);
// The ESLint case: a JavaScript project whose lint fails; ESLint (86 packages) is installed by
// `npm ci` from the registry, by hand and inside Sentinel's sandbox alike.
const js = path.join(root, "js");
mkdirSync(js);
sh(js, "git", ["init", "-q", "-b", "main"]);
writeFileSync(
  path.join(js, "package.json"),
  JSON.stringify({ name: "lint-bench", version: "1.0.0", private: true, devDependencies: { eslint: "9.39.5" } }) + "\n",
);
sh(js, "npm", ["install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund", "--silent"]);
writeFileSync(
  path.join(js, "eslint.config.mjs"),
  'export default [{ files: ["**/*.js"], rules: { "prefer-const": "error", "no-var": "error", semi: ["error", "always"] } }];\n',
);
for (let i = 0; i < 50; i++)
  writeFileSync(
    path.join(js, `m${i}.js`),
    i === 0 ? "var a = 1\nconsole.log(a)\n" : `const v${i} = ${i};\nconsole.log(v${i});\n`,
  );
writeFileSync(path.join(js, ".gitignore"), "node_modules/\n");
sh(js, "git", ["add", "-A"]);
sh(js, "git", ["commit", "-qm", "lint fails"]);
const jsSha = sh(js, "git", ["rev-parse", "HEAD"]).trim();
const jsHand = path.join(root, "js-by-hand");
const jsSteps = {};
let eslintOut;
[jsSteps.clone] = timed(() => sh(root, "git", ["clone", "-q", js, jsHand]));
[jsSteps.install] = timed(() => sh(jsHand, "npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--silent"]));
[jsSteps.diagnose, eslintOut] = timed(() => sh(jsHand, "npx", ["--no-install", "eslint", "."], [0, 1]));
[jsSteps.fix] = timed(() => sh(jsHand, "npx", ["--no-install", "eslint", "--fix", "."], [0, 1]));
[jsSteps.verify] = timed(() => sh(jsHand, "npx", ["--no-install", "eslint", "."]));
[jsSteps.commitPush] = timed(() => {
  sh(jsHand, "git", ["checkout", "-q", "-b", "by-hand-fix"]);
  sh(jsHand, "git", ["commit", "-qam", "fix"]);
  sh(jsHand, "git", ["push", "-q", "origin", "by-hand-fix"]);
});
const jsHandTotal = Object.values(jsSteps).reduce((a, b) => a + b, 0);
const jsDb = await openDatabase({});
const jsRuns = new RunStore(jsDb);
const { classifyText, loadBuiltinRules } = await import("../dist/sentinel/index.js");
const jsDiagnosis = classifyText(eslintOut, await loadBuiltinRules(), { workspaceRoots: [jsHand] });
const jsDeps = await localFixDeps({
  runs: jsRuns,
  repo: js,
  mirrorsDir: path.join(root, "js-mirrors"),
  workRoot: path.join(root, "js-worktrees"),
  dependencyCacheDir: path.join(root, "js-cache"),
});
const jsRun = async () => {
  const t = process.hrtime.bigint();
  const out = await runFix(jsDeps, {
    forge: "local",
    repo: js,
    sha: jsSha,
    baseBranch: "main",
    diagnosis: jsDiagnosis,
    failingCommand: ["sh", "-c", "npx --no-install eslint ."],
  });
  return { out, ms: Number(process.hrtime.bigint() - t) / 1e6 };
};
// First with an empty dependency cache (npm ci downloads), then with the repository's cache warm.
const { out: jsOut, ms: jsMs } = await jsRun();
const { out: jsOutWarm, ms: jsMsWarm } = await jsRun();
await jsDb.close();
// The same ESLint failure from a signed webhook to a pull request, the whole service path.
const jsService = await webhookToPullRequest("lint", js, jsSha, actionsLog("npx eslint .", eslintOut));

const describeService = (label, svc, byHand) => {
  const fixMs = Object.values(svc.phases).reduce((a, b) => a + b, 0);
  console.log(
    `${label} webhook -> PR: HTTP ${svc.status} acknowledged in ${fmt(svc.ackMs)}; pull request opened ${fmt(svc.toPrMs)} after (diagnose, report and queue ${fmt(svc.toPrMs - fixMs)}; fix run ${fmt(fixMs)}: ${Object.entries(
      svc.phases,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")})`,
  );
  console.log(
    `${label} service overhead vs by hand: ${fmt(svc.toPrMs - byHand)} (target <= 1000 ms); ratio ${ratio(svc.toPrMs, byHand)}`,
  );
};
describeService("Rust", service, handTotal);
console.log(
  `ESLint, by hand: ${fmt(jsHandTotal)}  (${Object.entries(jsSteps)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(", ")})`,
);
console.log(
  `ESLint, Sentinel cold: ${fmt(jsMs)}  ${jsOut.status}; phases ms: ${Object.entries(jsOut.phaseMs)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")}`,
);
// Sentinel has the diagnosis from the CI log, so the by-hand diagnose run is not part of its work.
const jsComparable = jsHandTotal - jsSteps.diagnose;
console.log(
  `ESLint, Sentinel warm dependency cache: ${fmt(jsMsWarm)}  ${jsOutWarm.status}; phases ms: ${Object.entries(
    jsOutWarm.phaseMs,
  )
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")}`,
);
console.log(
  `ESLint overhead vs by hand (its npm cache warm) without the diagnose run: cold cache ${fmt(jsMs - jsComparable)}, warm cache ${fmt(jsMsWarm - jsComparable)} (target <= 1000 ms); ratios ${ratio(jsMs, jsComparable)}, ${ratio(jsMsWarm, jsComparable)}`,
);
// By hand there is no diagnose run to skip: the person reads CI's log too. The service also
// diagnoses from the log, so the comparison is the same commands as the local run's.
describeService("ESLint", jsService, jsComparable);
daemon.kill();
rmSync(root, { recursive: true, force: true });
