import type OpenAI from "openai";
import type { RetryPolicy } from "./call-model.js";
import { taskFor } from "./diagnosis-text.js";
import type { Fence } from "./fence.js";
import type { ModelJob, ModelMemory, ModelWork, ModelWorker, RunsToday } from "./model-worker.js";
import type { LlmAccounting } from "./outcome.js";
import { DEFAULT_WRITE_POLICY } from "./protected-paths.js";
import { runLlmPatch } from "./run-llm-patch.js";
import { createLlmClient, type LlmSettings } from "./settings.js";
import { reversePatch, worktreeTools, type WorktreeTools } from "./tools.js";

/** The repository's `llm:` block, as the repository config parsed it. */
export interface LlmRepositoryConfig {
  readonly categories: readonly string[];
  readonly maxTokensPerRun: number;
  readonly maxRunsPerDay: number;
}

export interface LlmWorkerOptions {
  readonly settings: LlmSettings;
  readonly config: LlmRepositoryConfig;
  readonly memory: ModelMemory;
  /** Where runs happen: the cache is per repository, the budgets per repository and per installation. */
  readonly where: { readonly forge: string; readonly repo: string; readonly installation: string };
  /** A client of one's own (tests); else one for `settings`. */
  readonly client?: OpenAI;
  readonly retry?: RetryPolicy;
  readonly fence?: Fence;
  readonly now?: () => Date;
  /** Told of every run's work, whatever its end (for /metrics). */
  readonly onWork?: (work: ModelWork) => void;
}

/**
 * The llm-patch agent's worker: first the fingerprint cache (a patch verified for this failure
 * before, applied through the same checked apply_patch and run through run_check again: zero model
 * calls), then the daily budgets, then the model's loop under the run's turn and token limits.
 */
export function llmWorker(o: LlmWorkerOptions): ModelWorker {
  const now = o.now ?? (() => new Date());
  let client = o.client;
  return {
    model: o.settings.model,
    async work(job) {
      const started = Date.now();
      // A cached patch gets tools of its own: one that is taken back touched nothing of the model's.
      const toolsFor = () =>
        worktreeTools({
          worktree: job.worktree,
          policy: DEFAULT_WRITE_POLICY,
          runCheck: job.runCheck,
          gitEnv: job.gitEnv,
          checkEdit: job.checkEdit,
        });
      const reused = await reuse(o, job, toolsFor(), started);
      if (reused) return told(o, reused);
      const refusal = await o.memory.reserveRun(
        { runId: job.runId, ...o.where, model: o.settings.model, dayStart: utcDayStart(now()) },
        (today) => budgetRefusal(o, today),
      );
      if (refusal) return told(o, { kind: "refused", ...refusal, accounting: nothingSpent(o, started) });
      client ??= await createLlmClient(o.settings);
      const tools = toolsFor();
      const result = await runLlmPatch({
        client,
        settings: o.settings,
        tools,
        task: taskFor(job.diagnosis, job.failingCommand),
        repositoryConfig: job.repositoryRules,
        limits: { maxTurns: o.settings.maxTurns, maxTokens: o.config.maxTokensPerRun },
        deadline: job.deadline,
        ...(o.retry ? { retry: o.retry } : {}),
        ...(o.fence ? { fence: o.fence } : {}),
      });
      await o.memory.finishRun(job.runId, result.outcome.kind, result.accounting);
      return told(o, { kind: "ran", outcome: result.outcome, accounting: result.accounting, patched: tools.touched() });
    },
    async remember(verified) {
      const { work } = verified;
      if (work.kind === "refused") return;
      const spent = work.kind === "reused" ? work.original : work.accounting;
      await o.memory.savePatch({
        ...o.where,
        fingerprint: verified.fingerprint,
        runId: work.kind === "reused" ? work.fromRunId : verified.runId,
        patch: verified.patch,
        model: spent.model,
        tokensIn: spent.tokensIn,
        tokensOut: spent.tokensOut,
        cost: spent.cost,
        turns: spent.turns,
      });
    },
  };
}

/** The stored patch for this fingerprint, when it still applies and passes run_check; else the worktree as it was. */
async function reuse(o: LlmWorkerOptions, job: ModelJob, tools: WorktreeTools, started: number) {
  const stored = await o.memory.findPatch(o.where.forge, o.where.repo, job.diagnosis.fingerprint);
  if (!stored) return null;
  const applied = await tools.call("apply_patch", { diff: stored.patch });
  if (!applied.ok) {
    await job.record("model.cache", {
      hit: false,
      fromRun: stored.runId,
      why: `it no longer applies: ${applied.error}`,
    });
    return null;
  }
  const check = await job.runCheck();
  if (check.passed) {
    await job.record("model.cache", { hit: true, fromRun: stored.runId });
    const original: LlmAccounting = {
      model: stored.model,
      tokensIn: stored.tokensIn,
      tokensOut: stored.tokensOut,
      cost: stored.cost,
      turns: stored.turns,
      wallMs: 0,
      redactions: 0,
    };
    return {
      kind: "reused" as const,
      fromRunId: stored.runId,
      original,
      accounting: nothingSpent(o, started),
      patched: tools.touched(),
    };
  }
  const undone = await reversePatch(job.worktree, stored.patch, job.gitEnv);
  await job.record("model.cache", {
    hit: false,
    fromRun: stored.runId,
    why: "it applies, but the check still fails with it",
    undone,
  });
  if (!undone) throw new Error("a cached patch that did not verify could not be taken back out of the worktree");
  return null;
}

function budgetRefusal(o: LlmWorkerOptions, today: RunsToday): { rule: string; message: string } | null {
  const perRepo = o.config.maxRunsPerDay;
  if (today.repository >= perRepo)
    return {
      rule: "llm.maxRunsPerDay",
      message: `the repository's daily budget of model runs is spent (${today.repository} of llm.maxRunsPerDay: ${perRepo} today, UTC); no model was asked`,
    };
  const perInstallation = o.settings.maxRunsPerDayPerInstallation;
  if (today.installation >= perInstallation)
    return {
      rule: "SENTINEL_LLM_MAX_RUNS_PER_DAY_PER_INSTALLATION",
      message: `the installation's daily budget of model runs is spent (${today.installation} of SENTINEL_LLM_MAX_RUNS_PER_DAY_PER_INSTALLATION: ${perInstallation} today, UTC, across its repositories); no model was asked`,
    };
  return null;
}

function nothingSpent(o: LlmWorkerOptions, started: number): LlmAccounting {
  return {
    model: o.settings.model,
    tokensIn: 0,
    tokensOut: 0,
    cost: 0,
    turns: 0,
    wallMs: Date.now() - started,
    redactions: 0,
  };
}

function told(o: LlmWorkerOptions, work: ModelWork): ModelWork {
  o.onWork?.(work);
  return work;
}

function utcDayStart(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}
