import type { FixOutcome } from "./fix-types.js";
import { closePhase } from "./phase-clock.js";
import { parkRun } from "./park-run.js";
import { agentIdOf, type RunContext, type RunEnding } from "./run-context.js";
import type { RunStop } from "./run-stop.js";

/** Ends the run: its outcome persisted (phase EXIT), in the ledger, and told to live viewers. */
export async function finishRun(ctx: RunContext, outcome: FixOutcome): Promise<FixOutcome> {
  const { deps, runId } = ctx;
  closePhase(ctx);
  const phaseMs = ctx.clock.phaseMs;
  const status =
    outcome.status === "proposed" || outcome.status === "pushed"
      ? "succeeded"
      : outcome.status === "error"
        ? "failed"
        : outcome.status;
  await deps.runs.finishRun(runId, status, { ...outcome, phaseMs });
  await deps.runs.record(runId, "run.finished", { status: outcome.status, reason: outcome.reason });
  deps.live?.publish(runId, { kind: "end", status: outcome.status, reason: outcome.reason });
  return { ...outcome, phaseMs };
}

/** The outcome of a run that got to the end: what it wrote, with what every outcome carries. */
export function endingOutcome(ctx: RunContext, ending: RunEnding): FixOutcome {
  const agentId = agentIdOf(ctx);
  return {
    runId: ctx.runId,
    ...ending,
    ...(agentId ? { agentId } : {}),
    action: ctx.action,
    ...(ctx.diff ? { diff: ctx.diff } : {}),
    phaseMs: ctx.clock.phaseMs,
  };
}

/** A run a phase stopped: escalated to a human, parked for approval, or finished with the reason. */
export async function stopRun(ctx: RunContext, stop: RunStop): Promise<FixOutcome> {
  const agentId = agentIdOf(ctx);
  if (stop.status === "escalated" && agentId) await escalate(ctx, agentId, stop.reason);
  const revoked = stop.status === "escalated" && Boolean(agentId) && Boolean(ctx.budget.exceeded());
  const outcome: FixOutcome = {
    runId: ctx.runId,
    status: stop.status,
    reason: stop.reason,
    ...(agentId ? { agentId } : {}),
    ...(stop.rule ? { rule: stop.rule } : {}),
    ...(ctx.diff ? { diff: ctx.diff } : {}),
    ...(revoked ? { revoked } : {}),
    action: ctx.action,
    phaseMs: ctx.clock.phaseMs,
  };
  if (stop.status === "waiting-approval") return await parkRun(ctx, outcome);
  return await finishRun(ctx, outcome);
}

/** A run that threw: recorded as failed with the error, which the caller rethrows. */
export async function failRun(ctx: RunContext, error: unknown): Promise<void> {
  const reason = error instanceof Error ? error.message : String(error);
  const agentId = agentIdOf(ctx);
  ctx.log.error({ err: reason }, "fix run failed");
  await ctx.deps.runs.record(ctx.runId, "run.error", { phase: ctx.clock.current, error: reason });
  await finishRun(ctx, {
    runId: ctx.runId,
    status: "error",
    reason,
    ...(agentId ? { agentId } : {}),
    phaseMs: ctx.clock.phaseMs,
  });
}

/** Hands the failure to a human with what was tried; an exceeded error budget revokes the agent here. */
async function escalate(ctx: RunContext, agentId: string, reason: string): Promise<void> {
  const { deps, req, runId, budget } = ctx;
  const handoff = {
    whatWasTried: budget.log,
    blockingIssue: reason,
    requiredNextActions: [
      `a maintainer looks at the failure (${ctx.diagnosis?.summary ?? "see the run"})`,
      `re-enable agent ${agentId} for ${req.repo} once the cause is understood`,
    ],
    artifacts: { runId, ledger: `sentinel audit export --run ${runId}` },
  };
  await deps.runs.setRunFields(runId, { handoff });
  if (budget.exceeded()) await deps.runs.revokeAgent(req.forge, req.repo, agentId, reason, runId);
  await deps.runs.record(runId, "escalated", { reason, revoked: Boolean(budget.exceeded()), agent: agentId });
  ctx.log.warn({ agent: agentId, reason }, "fix run escalated to a human");
}
