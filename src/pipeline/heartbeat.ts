import type { RunContext } from "./run-context.js";
import { RunStop } from "./run-stop.js";

/**
 * While a run holds its lease its heart beats: every beatMs the lease is renewed and the run's row
 * stamped. Another run (or the janitor) that finds a heart stopped for three beats takes the run
 * for dead. Returns what stops the beating.
 */
export function startHeartbeat(ctx: RunContext): () => void {
  const { deps, runId, leases, leaseKey, timing } = ctx;
  const timer = setInterval(() => {
    // A missed beat is not logged: the next comes within beatMs, and a run whose beats keep
    // failing is found out by stillHolding before it writes anything.
    void leases.renew(leaseKey, runId, timing.ttlMs).catch(() => {});
    void deps.runs.beat(runId).catch(() => {});
  }, timing.beatMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Right before anything is written: this run still holds its lease and was not given up for dead.
 * A run whose heartbeat stalled past the TTL (a frozen process, a lost Redis) may have been
 * replaced; two runs must never both push and open a pull request.
 */
export async function stillHolding(ctx: RunContext): Promise<void> {
  const { deps, runId } = ctx;
  if (!(await ctx.leases.renew(ctx.leaseKey, runId, ctx.timing.ttlMs)))
    throw new RunStop(
      "locked",
      "this run lost its lease on the failure (its heartbeat stalled longer than the lease lasts); nothing was written",
    );
  const row = await deps.runs.getRun(runId);
  if (row && row.status !== "running")
    throw new RunStop("locked", `this run was marked ${String(row.status)} by another worker; nothing was written`);
}
