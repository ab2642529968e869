// `npm run eval:agent`: measures the llm-patch agent (issue #16) on failing tests, type errors and
// build errors, each through the whole governed pipeline (diagnosis, the model's loop, VERIFY in
// the sandbox) as `sentinel fix` runs it, then checked apart from Sentinel in a clean clone.
//
// The model is whatever SENTINEL_LLM_BASE_URL / SENTINEL_LLM_MODEL / SENTINEL_LLM_API_KEY name
// (prices from SENTINEL_LLM_PRICE_*_PER_1K); with no endpoint configured, a scripted
// OpenAI-compatible server replays each case's scripted answers (local and repository cases alike),
// so CI covers the harness.
// Cases: the small local projects in bench/eval-agent/cases (no network), and, with
// SENTINEL_EVAL_REPOS (see bench/fix-repos.mjs), the public repositories of
// bench/eval-agent/repo-cases.yml.
// Prints per case: fixed (verified, and the held-out check passes), wrong (proposed, but not a
// fix), refused (nothing proposed), or skipped (a tool missing, or a repository's command failing at
// its pinned commit too); with turns, tokens, cost and time.
// Options: --only <id,id>, --json, --keep (keep the work folder).
// Exit code: scripted, 0 when every case scored what its script should; with an endpoint, 0 when
// nothing was skipped (a measurement, not a pass mark).
import { localCases, repositoryCases } from "./eval-agent/cases.js";
import { evalExitCode, runEval, type CaseResult } from "./eval-agent/run-eval.js";

const argValue = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const only = argValue("--only")?.split(",");
const asJson = process.argv.includes("--json");
const log = (s: string) => (asJson ? process.stderr : process.stdout).write(s + "\n");

const reposDir = process.env.SENTINEL_EVAL_REPOS;
const cases = [...localCases(), ...(reposDir ? repositoryCases() : [])].filter((c) => !only || only.includes(c.id));
if (!reposDir)
  log("eval:agent: SENTINEL_EVAL_REPOS is not set: local cases only (see bench/eval-agent/repo-cases.yml)");

const report = await runEval({
  env: process.env,
  cases,
  ...(reposDir ? { reposDir } : {}),
  keep: process.argv.includes("--keep"),
  onResult: (r) => log(line(r)),
});
const by = (v: CaseResult["result"]) => report.results.filter((r) => r.result === v).length;
const spent = report.results.reduce(
  (a, r) => ({ tokensIn: a.tokensIn + r.tokensIn, tokensOut: a.tokensOut + r.tokensOut, cost: a.cost + r.cost }),
  { tokensIn: 0, tokensOut: 0, cost: 0 },
);
log(
  `\n${report.mode === "scripted" ? "scripted server (no endpoint configured)" : `model ${report.model}`}: ` +
    `${by("fixed")} fixed and verified, ${by("wrong")} wrong, ${by("refused")} refused, ${by("skipped")} skipped ` +
    `of ${report.results.length}; ${spent.tokensIn} tokens in, ${spent.tokensOut} out, cost ${spent.cost.toFixed(4)}`,
);
if (asJson) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
if (process.argv.includes("--keep")) log(`work folder kept: ${report.work}`);
process.exitCode = evalExitCode(report);

function line(r: CaseResult): string {
  const expected = r.expect && r.expect !== r.result ? `  (the script should score ${r.expect})` : "";
  return (
    `${r.result.padEnd(8)} ${r.id.padEnd(26)} ${r.kind.padEnd(9)} ` +
    `${String(r.turns).padStart(2)} turns ${String(r.tokensIn).padStart(7)} in ${String(r.tokensOut).padStart(6)} out ` +
    `cost ${r.cost.toFixed(4)} ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${r.detail}${expected}`
  );
}
