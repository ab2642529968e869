import { restoreWorktree } from "../workspace/index.js";
import type { RunContext } from "./run-context.js";
import { askGate, blamedPaths } from "./run-gate.js";

/**
 * When the chosen recipe's fix fails VERIFY and a model agent handles the failure too, the
 * recipe's change is taken back and the run goes back to PLAN with the model agent, under its
 * own tier, approval and budgets (the gate is asked again for it). A linter's `--fix` claims every
 * failure of its tool, but cannot fix a rule that has no autofix; without this the model would
 * never see those. Once a run: the model's own failure ends it. False when there is no model to
 * fall back to, or the worktree could not be put back exactly as the recipe found it, which the
 * ledger says; the run then stops as VERIFY found it.
 */
export async function fallBackToModel(ctx: RunContext, failed: string): Promise<boolean> {
  const { deps, runId } = ctx;
  const model = ctx.modelFallback;
  const recipe = ctx.chosen;
  const d = ctx.diagnosis;
  if (!model || !recipe || recipe.agent.model || ctx.setAside || !ctx.worktree || !d) return false;
  ctx.modelFallback = null;
  const snapshot = ctx.snapshot;
  ctx.snapshot = null;
  const restored = snapshot ? await restoreWorktree(ctx.worktree, snapshot) : false;
  if (!restored) {
    await deps.runs.record(runId, "fallback.refused", {
      from: recipe.agent.id,
      to: model.agent.id,
      why: snapshot
        ? "the recipe's change could not be taken back exactly"
        : "the worktree held too much beyond its commit to keep a copy of it",
    });
    return false;
  }
  ctx.setAside = { agentId: recipe.agent.id, reason: failed };
  ctx.chosen = model;
  await deps.runs.record(runId, "fallback", { from: recipe.agent.id, to: model.agent.id, because: failed });
  ctx.log.info({ from: recipe.agent.id, to: model.agent.id }, "the recipe's fix failed VERIFY; the model agent tries");
  // The model agent's tier (T0 unless promoted), approval and blast radius, not the recipe's.
  await askGate(ctx, "preflight", model.agent.id, model.confidence, d, blamedPaths(d));
  return true;
}
