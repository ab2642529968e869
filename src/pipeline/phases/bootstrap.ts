import { startHeartbeat } from "../heartbeat.js";
import type { PhaseResult, RunContext } from "../run-context.js";
import { removeDeadRunWorktree } from "../run-janitor.js";
import { RunStop } from "../run-stop.js";

/**
 * BOOTSTRAP: one run per repository and failure at a time. The run takes the failure's lease,
 * waiting up to leaseWaitMs for another run to finish, taking over at once from a run whose
 * worker died; dead runs found on the way are abandoned and their worktrees removed. Holding the
 * lease, the run's heart starts beating.
 */
export async function bootstrap(ctx: RunContext): Promise<PhaseResult> {
  const { deps, runId, runKey, leaseKey, leases, timing } = ctx;
  const waitMs = deps.leaseWaitMs ?? 0;
  const waitUntil = Date.now() + waitMs;
  for (let waited = false; ; waited = true) {
    for (const dead of await deps.runs.abandonStaleRuns(runKey, timing.ttlMs))
      await removeDeadRunWorktree(deps.runs, dead, runId);
    if (await leases.acquire(leaseKey, runId, timing.ttlMs)) break;
    if (await takeOverFromDeadRun(ctx)) break;
    if (Date.now() >= waitUntil)
      throw new RunStop(
        "locked",
        waited
          ? `another run held this failure's lease for ${Math.round(waitMs / 1000)} s`
          : "another run is fixing this failure in this repository",
      );
    if (!waited) await deps.runs.record(runId, "lease.waiting", { lease: leaseKey, upToMs: waitMs });
    // A waiting run is alive: its heart beats, or the janitor and other runs would take it for dead.
    await deps.runs.beat(runId);
    await new Promise((r) =>
      setTimeout(r, Math.min(Math.max(250, Math.floor(timing.beatMs / 2)), Math.max(0, waitUntil - Date.now()))),
    );
  }
  // Holding the lease, no live run of this failure is working on it: live runs, waiting ones
  // included, beat every beatMs. Those whose heart stopped for three beats are dead: they are
  // abandoned (and their worktrees removed) now, not when they would look stale to the loop above.
  for (const dead of await deps.runs.abandonStaleRuns(runKey, timing.deadAfterMs))
    await removeDeadRunWorktree(deps.runs, dead, runId);
  ctx.stopHeartbeat = startHeartbeat(ctx);
  return { next: "PREFLIGHT" };
}

/**
 * The queue hands a job out again when its worker stopped renewing the job's lock, so an earlier
 * run of the same failure that still holds the lease, with a heart stopped for three beats, died
 * with that worker. Its lease is taken over at once (only while that run still holds it) and the
 * run abandoned, instead of waiting up to a TTL for the lease to lapse while holding a worker's
 * slot. Should it be alive after all (frozen that long), it writes nothing: it no longer holds
 * the lease at PACKAGE (stillHolding).
 */
async function takeOverFromDeadRun(ctx: RunContext): Promise<boolean> {
  const { deps, req, runId, leases } = ctx;
  if (!req.failureKey || !leases.takeOver) return false;
  for (const dead of await deps.runs.deadRunsOf(ctx.runKey, req.failureKey, runId, ctx.timing.deadAfterMs)) {
    if (!(await leases.takeOver(ctx.leaseKey, dead, runId, ctx.timing.ttlMs))) continue;
    if (await deps.runs.abandonRun(dead))
      await deps.runs.record(dead, "run.abandoned", {
        reason: "its worker died: its job was handed out again, and the new run took over its lease",
        by: runId,
      });
    await removeDeadRunWorktree(deps.runs, dead, runId);
    return true;
  }
  return false;
}
