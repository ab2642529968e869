import { checkSummary, type CheckResult, type ModelJob, type ModelWork, type ModelWorker } from "../agents/index.js";
import { gitEnv, worktreeState } from "../workspace/index.js";
import { repositoryRelative } from "./fix-text.js";
import { blastRadiusViolation } from "./governance.js";
import type { RunContext } from "./run-context.js";
import { RunStop } from "./run-stop.js";
import { classifyRun, stopAtLimit } from "./worktree-commands.js";

/**
 * EXECUTE for a model agent: its worker gets the worktree, the diagnosis and a run_check that
 * re-runs the failing command here, in the sandbox, answering with the new diagnosis. Every patch
 * it applies is checked against the run's blast radius as it goes. What it did, and what it cost,
 * goes in the ledger (`model.usage`); a spent budget, a handoff or a failing endpoint ends the run
 * here, with what was tried. A fix goes on to VERIFY like any recipe's.
 */
export async function executeModel(ctx: RunContext, worker: ModelWorker): Promise<void> {
  const { deps, runId, worktree: wt, plan, diagnosis } = ctx;
  if (!wt || !plan || !diagnosis) throw new RunStop("error", "nothing to execute: the run has no worktree or no plan");
  const command = plan.verifyCommand;
  const job: ModelJob = {
    runId,
    worktree: wt.path,
    gitEnv: { ...gitEnv(), GIT_DIR: wt.gitDir, GIT_WORK_TREE: wt.path },
    diagnosis,
    failingCommand: shown(command),
    runCheck: () => modelCheck(ctx, command),
    checkEdit: (change) => Promise.resolve(blastRadiusViolation(change, ctx.blast)),
    repositoryRules: repositoryRules(ctx),
    deadline: ctx.deadline,
    record: (kind, data) => deps.runs.record(runId, kind, data),
  };
  const work = await worker.work(job);
  ctx.modelWork = work;
  await deps.runs.record(runId, "model.usage", usageEntry(work));
  if (work.kind === "refused") throw new RunStop("policy", work.message, work.rule);
  await onlyPatchedPaths(ctx, work.patched);
  if (work.kind === "reused" || work.outcome.kind === "fixed") return;
  const { outcome } = work;
  // The handoff escalate() writes carries the budget's log as "what was tried".
  ctx.budget.log.push(...outcome.tried.map((t) => `model: ${t}`));
  if (outcome.kind === "handoff")
    throw new RunStop(
      "escalated",
      `llm-patch stopped without a fix (${outcome.reason}): ${outcome.summary}; ${outcome.tried.length} tool call(s) tried, none made the check pass`,
    );
  throw new RunStop("error", `${outcome.summary}; nothing was proposed`);
}

/**
 * The fix is what the model's patches changed. run_check ran the failing command in the worktree,
 * and what it left behind (a build output, a coverage file) is not the fix: the state VERIFY
 * measures the fix from becomes the worktree as it is now, except for the patched files.
 */
async function onlyPatchedPaths(ctx: RunContext, patched: readonly string[]): Promise<void> {
  if (!ctx.worktree) return;
  const before = ctx.stateBeforeFix ?? new Map<string, string>();
  const baseline = new Map(await worktreeState(ctx.worktree));
  for (const path of patched) {
    const was = before.get(path);
    if (was === undefined) baseline.delete(path);
    else baseline.set(path, was);
  }
  ctx.stateBeforeFix = baseline;
}

/** run_check: the failing command again, under the sandbox; the model gets the new diagnosis, never the raw log. */
async function modelCheck(ctx: RunContext, command: readonly string[]): Promise<CheckResult> {
  const checked = await classifyRun(ctx, command, { step: "model-check" });
  stopAtLimit("model-check", checked.result);
  const d = checked.diagnosis;
  const passed = checked.result.exitCode === 0 && d.status !== "failed";
  await ctx.deps.runs.record(ctx.runId, "model.check", {
    command,
    exitCode: checked.result.exitCode,
    status: d.status,
    category: d.category,
    summary: d.summary,
    sandboxed: checked.result.sandboxed,
    ms: checked.result.durationMs,
  });
  // Paths under the run's worktree read repository-relative: the model names files that way, and the
  // worker's folders are none of its business.
  const summary = repositoryRelative(checkSummary(d, checked.result.exitCode), [ctx.worktree?.path ?? ""]);
  return { passed, summary };
}

/** The repository's limits in words: they narrow what the model may do, never widen Sentinel's rules. */
function repositoryRules(ctx: RunContext): string {
  const b = ctx.blast;
  return [
    `A fix may change at most ${b.maxFiles} files and ${b.maxLines} lines (added plus deleted); a patch beyond that is refused.`,
    `Paths no fix may touch (globs, * matches across folders): ${b.forbiddenPaths.join(", ") || "none"}.`,
  ].join("\n");
}

/** A `sh -c '<line>'` command as the line a person wrote. */
function shown(command: readonly string[]): readonly string[] {
  return command.length === 3 && command[0] === "sh" && command[1] === "-c" ? [command[2]!] : command;
}

/** The ledger's `model.usage`: tokens, cost, turns, wall time, and how the work ended. */
export function usageEntry(work: ModelWork): Record<string, unknown> {
  const a = work.accounting;
  const spent = {
    model: a.model,
    tokensIn: a.tokensIn,
    tokensOut: a.tokensOut,
    cost: a.cost,
    turns: a.turns,
    wallMs: a.wallMs,
    redactions: a.redactions,
  };
  switch (work.kind) {
    case "refused":
      return { ...spent, outcome: "refused", rule: work.rule, reason: work.message };
    case "reused":
      return {
        ...spent,
        outcome: "reused",
        reusedFrom: work.fromRunId,
        original: { tokensIn: work.original.tokensIn, tokensOut: work.original.tokensOut, cost: work.original.cost },
      };
    case "ran":
      return {
        ...spent,
        outcome: work.outcome.kind,
        ...(work.outcome.kind === "handoff" ? { reason: work.outcome.reason } : {}),
        ...(work.outcome.kind === "failed" ? { failure: work.outcome.failure, attempts: work.outcome.attempts } : {}),
        summary: work.outcome.summary,
        tried: work.outcome.tried,
      };
  }
}
