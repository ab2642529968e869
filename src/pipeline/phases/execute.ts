import { gitControlFingerprint } from "../../workspace/index.js";
import { executeModel } from "../model-execute.js";
import type { PhaseResult, RunContext } from "../run-context.js";
import { RunStop } from "../run-stop.js";
import { checkBudget, executeStep } from "../worktree-commands.js";

/**
 * EXECUTE: the plan's steps, each under the sandbox, retried or escalated as the recipe says; or,
 * for a model agent, its worker's loop over the worktree (model-execute.ts). Whatever touched git's
 * own configuration or hooks spends the error budget.
 */
export async function execute(ctx: RunContext): Promise<PhaseResult> {
  const wt = ctx.worktree;
  if (!wt || !ctx.plan) throw new RunStop("error", "nothing to execute: the run has no worktree or no plan");
  const controlBefore = await gitControlFingerprint(wt);
  const model = ctx.chosen?.agent.model;
  if (model) await executeModel(ctx, model);
  else for (const step of ctx.plan.steps) await executeStep(ctx, step);
  if ((await gitControlFingerprint(wt)) !== controlBefore) {
    ctx.budget.violation("a fixer changed git's configuration or hooks");
    await ctx.deps.runs.record(ctx.runId, "violation", { what: "git control files changed" });
  }
  checkBudget(ctx);
  return { next: "VERIFY" };
}
