import type { FixOutcome } from "./fix-types.js";
import { closePhase } from "./phase-clock.js";
import type { RunContext } from "./run-context.js";

/** A run that needs a human: persisted as waiting in PREFLIGHT; an approval starts it again. */
export async function parkRun(ctx: RunContext, outcome: FixOutcome): Promise<FixOutcome> {
  closePhase(ctx);
  const phaseMs = ctx.clock.phaseMs;
  await ctx.deps.runs.parkRun(ctx.runId, { ...outcome, phaseMs });
  await ctx.deps.runs.record(ctx.runId, "run.waiting", { rule: outcome.rule ?? null, reason: outcome.reason });
  return { ...outcome, phaseMs };
}
