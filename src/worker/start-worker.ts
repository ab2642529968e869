import { expireApprovals } from "../commands/index.js";
import { diagnoseFailure, processDelivery, sweepDeliveries, type WorkerDeps } from "../ingest/index.js";
import { abandonDeadRuns, fixFailure, removeFinishedRunDirectories } from "../pipeline/index.js";
import { withCause } from "../ledger/index.js";
import type { JobHandlers, JobInfo } from "../queue/index.js";
import type { Metrics } from "../metrics/index.js";
import { settleDiagnosisError } from "./settle-diagnosis-error.js";

export interface WorkerOptions {
  readonly concurrency?: number;
  /** How often recorded-but-unqueued deliveries are swept into the queue. */
  readonly sweepEveryMs?: number;
  readonly attempts?: number;
  /** Processed deliveries older than this many days are deleted (0: kept forever). Default 30. */
  readonly deliveryRetentionDays?: number;
}

/** How often old deliveries are pruned: often enough to keep each round small. */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/**
 * Runs the queue's jobs in this process: deliveries become failures, failures become diagnoses.
 * A failure whose last attempt fails, or whose error no retry can fix, is marked `error` with the
 * reason, never left pending (settleDiagnosisError).
 */
export function startWorker(deps: WorkerDeps, options: WorkerOptions = {}): { stop(): void } {
  const attempts = options.attempts ?? 5;
  deps.queue.start(
    measured(deps.metrics, {
      // Each job's writes to forges and chat name it in the ledger (withCause).
      delivery: ({ deliveryKey }) => withCause({ delivery: deliveryKey }, () => processDelivery(deps, deliveryKey)),
      diagnose: async ({ failureKey }, { attempt }) => {
        try {
          await withCause({ failure: failureKey }, () => diagnoseFailure(deps, failureKey));
        } catch (error) {
          if ((await settleDiagnosisError(deps, { failureKey, attempt, attempts }, error)) === "rethrow") throw error;
        }
      },
      fix: async ({ failureKey, ...job }) =>
        void (await withCause({ failure: failureKey }, () => fixFailure(deps, failureKey, job))),
    }),
    { concurrency: options.concurrency ?? 4 },
  );
  // A worker that died (and is this one, restarted on the same work dir) may have left finished
  // runs' folders behind: they go now, and on every janitor round.
  const sweepRunDirectories = () => {
    if (!deps.fixing) return;
    removeFinishedRunDirectories(deps.store.runs, deps.fixing.workRoot)
      .then(
        (removed) =>
          removed.length > 0 &&
          deps.logger.warn(
            { folders: removed },
            "removed folders of finished fix runs whose worker died before removing them",
          ),
      )
      .catch((error: unknown) => deps.logger.error({ err: error }, "run folder sweep failed"));
  };
  sweepRunDirectories();
  const timer = setInterval(() => {
    sweepRunDirectories();
    sweepDeliveries(deps, options.sweepEveryMs ?? 30_000).catch((error: unknown) =>
      deps.logger.error({ err: error }, "delivery sweep failed"),
    );
    // Runs that waited for a human past their expiry end, durably, whichever worker notices first.
    expireApprovals({ gov: deps.store.gov, runs: deps.store.runs, queue: deps.queue })
      .then(
        (expired) =>
          expired.length > 0 && deps.logger.info({ runs: expired.map((a) => a.runId) }, "approval requests expired"),
      )
      .catch((error: unknown) => deps.logger.error({ err: error }, "approval expiry sweep failed"));
    // Crashed runs' worktrees do not wait for the same failure to come back.
    abandonDeadRuns(deps.store.runs)
      .then(
        (dead) =>
          dead.length > 0 &&
          deps.logger.warn({ runs: dead }, "abandoned fix runs whose worker died; their worktrees are removed"),
      )
      .catch((error: unknown) => deps.logger.error({ err: error }, "fix run janitor failed"));
  }, options.sweepEveryMs ?? 30_000);
  timer.unref();
  const retentionDays = options.deliveryRetentionDays ?? 30;
  const prune = () =>
    deps.store.deliveries
      .prune(retentionDays)
      .then(
        (n) =>
          n > 0 && deps.logger.info({ deleted: n, retentionDays }, "deleted processed deliveries past their retention"),
      )
      .catch((error: unknown) => deps.logger.error({ err: error }, "delivery pruning failed"));
  const pruneTimer = retentionDays > 0 ? setInterval(prune, PRUNE_EVERY_MS) : null;
  pruneTimer?.unref();
  if (retentionDays > 0) void prune();
  return {
    stop: () => {
      clearInterval(timer);
      if (pruneTimer) clearInterval(pruneTimer);
    },
  };
}

/** Each handler timed and counted: how long its job waited, how long it ran, whether it threw. */
function measured(metrics: Metrics | undefined, handlers: JobHandlers): JobHandlers {
  if (!metrics) return handlers;
  const wrap =
    <D>(job: string, handler: (data: D, info: JobInfo) => Promise<void>) =>
    async (data: D, info: JobInfo): Promise<void> => {
      if (info.attempt === 1) metrics.queueWaitSeconds.observe({ job }, Math.max(0, Date.now() - info.readyAt) / 1000);
      const end = metrics.jobSeconds.startTimer({ job });
      try {
        await handler(data, info);
        end({ outcome: "completed" });
      } catch (error) {
        end({ outcome: "failed" });
        metrics.jobsFailed.inc({ job });
        throw error;
      }
    };
  return {
    delivery: wrap("delivery", handlers.delivery),
    diagnose: wrap("diagnose", handlers.diagnose),
    fix: wrap("fix", handlers.fix),
  };
}
