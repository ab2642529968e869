import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { agentsFrom, loadBuiltinRecipes, llmSettingsFromEnv, type LlmSettings } from "../../src/agents/index.js";
import { parseLlmEnv } from "../../src/config/index.js";
import { localFixDeps, runFix, withModelAgent, type FixOutcome } from "../../src/pipeline/index.js";
import { openDatabase, Store } from "../../src/store/index.js";
import { startScriptedLlmServer, type ScriptedLlmServer } from "../../test/support/scripted-llm-server.js";
import type { EvalCase, Edit } from "./cases.js";

export type Verdict = "fixed" | "wrong" | "refused" | "skipped";

export interface CaseResult {
  readonly id: string;
  readonly kind: string;
  /** fixed: verified, and the held-out check passes; wrong: proposed, but it does not; refused: nothing proposed. */
  readonly result: Verdict;
  readonly detail: string;
  /** The run's status (proposed, escalated, policy, …). */
  readonly status: string;
  readonly turns: number;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly cost: number;
  /** The whole run, from diagnosis to the proposal. */
  readonly ms: number;
  /** What the scripted model's answers should score (scripted mode only). */
  readonly expect?: "fixed" | "wrong" | "refused";
}

export interface EvalOptions {
  /** The environment that names the endpoint (SENTINEL_LLM_*); without an endpoint the scripted server answers. */
  readonly env: NodeJS.ProcessEnv;
  readonly cases: readonly EvalCase[];
  /** Where repository cases' clones are (SENTINEL_EVAL_REPOS). */
  readonly reposDir?: string;
  readonly onResult?: (r: CaseResult) => void;
  readonly keep?: boolean;
}

export interface EvalReport {
  readonly mode: "endpoint" | "scripted";
  readonly model: string;
  readonly results: readonly CaseResult[];
  readonly work: string;
}

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Eval",
  GIT_AUTHOR_EMAIL: "eval@example.invalid",
  GIT_COMMITTER_NAME: "Eval",
  GIT_COMMITTER_EMAIL: "eval@example.invalid",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-C", cwd, ...args], {
    env: GIT_ENV,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();

/** Sentinel's own TypeScript compiler: `{tsc}` in a case's command, readable inside the sandbox. */
const TYPESCRIPT_DIR = realpathSync(path.dirname(createRequire(import.meta.url).resolve("typescript/package.json")));

/**
 * Runs every case through the governed pipeline as `sentinel fix` would (local forge, sandbox,
 * VERIFY), with the llm-patch agent behind the configured endpoint or, without one, the scripted
 * server replaying each case's turns. Each case's fix is then checked apart from Sentinel: in a
 * clean clone of the fix branch, with the held-out files as the defect's commit has them.
 */
export async function runEval(o: EvalOptions): Promise<EvalReport> {
  const parsed = parseLlmEnv(o.env);
  const endpoint = llmSettingsFromEnv(parsed);
  // The scripted server's token counts are made up; its prices are the environment's, so the cost arithmetic is exercised too.
  const prices = {
    priceInPer1k: parsed.SENTINEL_LLM_PRICE_IN_PER_1K,
    priceOutPer1k: parsed.SENTINEL_LLM_PRICE_OUT_PER_1K,
  };
  const work = mkdtempSync(path.join(tmpdir(), "sentinel-eval-agent-"));
  const db = await openDatabase({});
  const store = new Store(db);
  const results: CaseResult[] = [];
  try {
    for (const c of o.cases) {
      const r = await runCase(c, { store, work, endpoint, prices, reposDir: o.reposDir });
      results.push(r);
      o.onResult?.(r);
    }
  } finally {
    await db.close();
    if (!o.keep) rmSync(work, { recursive: true, force: true });
  }
  return { mode: endpoint ? "endpoint" : "scripted", model: endpoint?.model ?? "scripted-model", results, work };
}

interface CaseEnv {
  store: Store;
  work: string;
  endpoint: LlmSettings | undefined;
  prices: Pick<LlmSettings, "priceInPer1k" | "priceOutPer1k">;
  reposDir: string | undefined;
}

async function runCase(c: EvalCase, env: CaseEnv): Promise<CaseResult> {
  const base = { id: c.id, kind: c.kind, ...(env.endpoint ? {} : { expect: c.scripted?.expect }) };
  const none = { status: "-", turns: 0, tokensIn: 0, tokensOut: 0, cost: 0, ms: 0 };
  const missing = c.needs.filter((tool) => !onPath(tool));
  if (missing.length > 0) return { ...base, ...none, result: "skipped", detail: `needs ${missing.join(", ")} on PATH` };
  if (!env.endpoint && !c.scripted)
    return { ...base, ...none, result: "skipped", detail: "a repository case needs a real model endpoint" };
  const dir = path.join(env.work, c.id);
  mkdirSync(dir);
  const repo = userRepository(c, dir, env.reposDir);
  if ("skip" in repo) return { ...base, ...none, result: "skipped", detail: repo.skip };
  const command = c.command.replaceAll("{tsc}", `node ${path.join(TYPESCRIPT_DIR, "bin", "tsc")}`);
  // A repository's command must pass at the pinned commit, or its failure is not the defect's (a
  // missing dependency, a tool's version): nothing a fix could be scored against.
  if (c.source.kind === "repository") {
    const pinned = check(repo.dir, c.source.commit, command);
    if (pinned.code !== 0)
      return {
        ...base,
        ...none,
        result: "skipped",
        detail: `\`${c.command}\` fails at the pinned commit too: ${firstError(pinned.output) ?? lastLine(pinned.output)}`,
      };
  }
  if (check(repo.dir, repo.sha, command).code === 0)
    return { ...base, ...none, result: "skipped", detail: `the defect does not make \`${c.command}\` fail` };
  const server = env.endpoint ? null : await startScriptedLlmServer(c.scripted?.turns ?? []);
  try {
    const started = performance.now();
    const outcome = await fixWithModel(env, repo, dir, command, server);
    const ms = Math.round(performance.now() - started);
    const usage = (await env.store.runs.ledger(outcome.runId)).find((e) => e.kind === "model.usage")?.data ?? {};
    const spent = {
      status: outcome.status,
      turns: Number(usage.turns ?? 0),
      tokensIn: Number(usage.tokensIn ?? 0),
      tokensOut: Number(usage.tokensOut ?? 0),
      cost: Number(usage.cost ?? 0),
      ms,
    };
    return { ...base, ...spent, ...score(c, repo, command, outcome) };
  } finally {
    await server?.close();
  }
}

/** The user's repository with the defect committed: a copy of a local project, or a clone at the pinned commit. */
function userRepository(
  c: EvalCase,
  dir: string,
  reposDir: string | undefined,
): { dir: string; sha: string } | { skip: string } {
  const repo = path.join(dir, "repo");
  if (c.source.kind === "local") {
    cpSync(c.source.projectDir, repo, { recursive: true });
    git(repo, "init", "-q", "-b", "main");
  } else {
    const source = reposDir ? sourceOf(reposDir, c.source.repo) : undefined;
    if (!source) return { skip: `${c.source.repo} is not in SENTINEL_EVAL_REPOS` };
    execFileSync("git", ["clone", "-q", "--no-checkout", source, repo], { env: GIT_ENV });
    git(repo, "checkout", "-q", "-f", "-B", "main", c.source.commit);
    applyDefect(repo, c.source.defect);
  }
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "--allow-empty", "-m", `eval defect: ${c.id}`);
  return { dir: repo, sha: git(repo, "rev-parse", "HEAD") };
}

async function fixWithModel(
  env: CaseEnv,
  repo: { dir: string; sha: string },
  dir: string,
  command: string,
  server: ScriptedLlmServer | null,
): Promise<FixOutcome> {
  const settings: LlmSettings = env.endpoint ?? {
    baseURL: server!.baseURL,
    apiKey: "scripted",
    model: "scripted-model",
    ...env.prices,
    maxTurns: 8,
    maxRunsPerDayPerInstallation: 10_000,
  };
  const logger = pino({ level: "silent" });
  const deps = await localFixDeps({
    runs: env.store.runs,
    repo: repo.dir,
    mirrorsDir: path.join(dir, "mirrors"),
    workRoot: path.join(dir, "worktrees"),
    readOnlyPaths: [TYPESCRIPT_DIR],
    agents: withModelAgent(agentsFrom((await loadBuiltinRecipes()).recipes, []), {
      settings,
      config: {
        enabled: true,
        categories: ["test", "typecheck", "build", "lint"],
        maxTokensPerRun: 60_000,
        maxRunsPerDay: 10_000,
      },
      memory: env.store.models,
      where: { forge: "local", repo: repo.dir, installation: "eval" },
      logger,
    }),
    logger,
  });
  return runFix(deps, {
    forge: "local",
    repo: repo.dir,
    sha: repo.sha,
    baseBranch: "main",
    failingCommand: ["sh", "-c", command],
  });
}

/**
 * A proposed fix counts as fixed only when, in a clean clone of its branch with the held-out files
 * as the defect's commit has them, the failing command passes; one that changed a held-out file (a
 * weakened test) is wrong whatever it passes. Anything not proposed was refused.
 */
function score(
  c: EvalCase,
  repo: { dir: string; sha: string },
  command: string,
  outcome: FixOutcome,
): { result: Verdict; detail: string } {
  if (outcome.status !== "proposed" || !outcome.branch)
    return { result: "refused", detail: `${outcome.status}: ${outcome.reason}` };
  const changed = git(repo.dir, "diff", "--name-only", `${repo.sha}..${outcome.branch}`).split("\n").filter(Boolean);
  const touched = changed.filter((f) => c.held.some((h) => f === h || f.startsWith(`${h.replace(/\/$/, "")}/`)));
  const independent = check(repo.dir, outcome.branch, command, { restore: { from: repo.sha, files: c.held } });
  if (touched.length > 0)
    return {
      result: "wrong",
      detail: `changed held-out ${touched.join(", ")}; with it restored the command ${independent.code === 0 ? "passes" : "fails"}`,
    };
  if (independent.code !== 0)
    return {
      result: "wrong",
      detail: `verified in Sentinel, but fails apart from it: ${lastLine(independent.output)}`,
    };
  return { result: "fixed", detail: `verified; changed ${changed.join(", ")}` };
}

/**
 * The command in a throwaway clone of `rev` (held-out files restored from another commit first),
 * after `npm ci` where there is a package-lock.json, as the project's CI installs before it runs.
 */
function check(
  repoDir: string,
  rev: string,
  command: string,
  o: { restore?: { from: string; files: readonly string[] } } = {},
): { code: number; output: string } {
  const clone = mkdtempSync(path.join(tmpdir(), "sentinel-eval-check-"));
  try {
    execFileSync("git", ["clone", "-q", repoDir, clone], { env: GIT_ENV });
    git(clone, "checkout", "-q", rev);
    // Held-out paths the defect's commit has (a folder of tests, or files), as it has them.
    const held = (o.restore?.files ?? []).filter((f) => {
      try {
        git(clone, "cat-file", "-e", `${o.restore!.from}:${f.replace(/\/$/, "")}`);
        return true;
      } catch {
        // Not in that commit: nothing to restore.
        return false;
      }
    });
    if (o.restore && held.length > 0) git(clone, "checkout", o.restore.from, "--", ...held);
    const run = (script: string) =>
      spawnSync("sh", ["-c", script], { cwd: clone, encoding: "utf8", timeout: 600_000, env: GIT_ENV });
    if (existsSync(path.join(clone, "package-lock.json"))) {
      const install = run("npm ci --ignore-scripts --no-audit --no-fund --prefer-offline");
      if (install.status !== 0)
        return { code: install.status ?? 1, output: `npm ci failed: ${install.stdout ?? ""}${install.stderr ?? ""}` };
    }
    const r = run(command);
    return { code: r.status ?? 1, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
  } finally {
    rmSync(clone, { recursive: true, force: true });
  }
}

function applyDefect(dir: string, edits: readonly Edit[]): void {
  for (const e of edits) {
    const file = path.join(dir, e.file);
    const text = readFileSync(file, "utf8");
    const at = text.indexOf(e.find);
    if (at < 0 || text.indexOf(e.find, at + 1) >= 0)
      throw new Error(`defect does not apply: ${JSON.stringify(e.find)} is not exactly once in ${e.file}`);
    writeFileSync(file, text.slice(0, at) + e.replace + text.slice(at + e.find.length));
  }
}

/** Where SENTINEL_EVAL_REPOS holds a repository, in bench:repos's layouts. */
function sourceOf(reposDir: string, repo: string): string | undefined {
  const flat = repo.replace("/", "+");
  return [
    path.join(reposDir, flat, "repo"),
    path.join(reposDir, flat),
    path.join(reposDir, repo),
    path.join(reposDir, `${repo}.git`),
  ].find((p) => existsSync(p));
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? "").split(path.delimiter).some((d) => d && existsSync(path.join(d, tool)));
}

/** The first line that says it is an error (`error: …`, `Error …`), which a tool's last line may not be. */
function firstError(output: string): string | undefined {
  return output
    .split("\n")
    .find((l) => /^\s*error\b/i.test(l))
    ?.trim()
    .slice(0, 200);
}

function lastLine(output: string): string {
  return output.trim().split("\n").pop()?.slice(0, 200) ?? "";
}

/**
 * Scripted, the harness is under test: 0 only when every case scored what its script should.
 * With an endpoint it is a measurement, not a pass mark: 0 unless a case could not run (skipped).
 */
export function evalExitCode(report: Pick<EvalReport, "mode" | "results">): 0 | 1 {
  if (report.mode === "scripted") return report.results.every((r) => r.result === r.expect) ? 0 : 1;
  return report.results.some((r) => r.result === "skipped") ? 1 : 0;
}
