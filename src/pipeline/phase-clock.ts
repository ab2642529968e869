import type { RunPhase } from "../store/index.js";
import type { RunContext } from "./run-context.js";

/** Adds the time spent in the current phase to its total (before entering the next, or ending). */
export function closePhase(ctx: RunContext): void {
  const { clock } = ctx;
  clock.phaseMs[clock.current] = (clock.phaseMs[clock.current] ?? 0) + (Date.now() - clock.startedAt);
}

/**
 * Enters a phase: timed, persisted (which beats the heart), in the ledger, and live. The write is
 * queued, not waited for: the run's next awaited write, and its end, come after it.
 */
export async function enterPhase(ctx: RunContext, phase: RunPhase, data: Record<string, unknown> = {}): Promise<void> {
  closePhase(ctx);
  ctx.clock.current = phase;
  ctx.clock.startedAt = Date.now();
  ctx.deps.runs.noteTransition(ctx.runId, phase, data);
  ctx.deps.live?.publish(ctx.runId, { kind: "phase", phase });
}
