import type { Logger } from "pino";
import { z } from "zod";
import { blastRadiusFor, decideFix, decideFork, type Mode, type Policy } from "../policy/index.js";
import type { GovernanceStore, RunStore, StoredFailure } from "../store/index.js";
import type { Trust, TierState } from "./trust.js";
import type { FixGate } from "./fix-types.js";

/** A fix job's data: ids only (see JobDataByName). */
export interface FixJob {
  readonly requestId?: string;
  readonly resumeRunId?: string;
}

const fixJobSchema = z.object({
  requestId: z.string().min(1).max(100).optional(),
  resumeRunId: z.string().min(1).max(100).optional(),
});

/** What a fix job is allowed, as the database says: a job's data proves nothing. */
export interface Permits {
  /** A person asked for this fix: their request, found for this failure and not spent. */
  readonly requestId: string | null;
  readonly manual: boolean;
  readonly requestedBy: string | null;
  /** A run that waited for a human, approved for this very failure. */
  readonly resumeRunId: string | null;
  /** The job asked to resume a run the database does not show approved for this failure. */
  readonly refused: boolean;
}

/**
 * Reads what the job names from the database. Job data comes from Redis, which is no authority:
 * fields other than the ids are dropped (and logged), a request counts only when it exists for
 * this failure and is unspent, and a resumed run only when its approval, for this failure, says
 * approved. Everything else the run needs (fork status, approvals, caps) is decided later from
 * the database and the forge's API too.
 */
export async function readPermits(
  logger: Logger,
  gov: GovernanceStore,
  runs: RunStore,
  failureKey: string,
  data: unknown,
): Promise<Permits> {
  const extra =
    data && typeof data === "object"
      ? Object.keys(data).filter((k) => !["failureKey", "requestId", "resumeRunId"].includes(k))
      : [];
  if (extra.length > 0)
    logger.warn(
      { failure: failureKey, fields: extra },
      "fix job data carried fields Sentinel never takes from a queue; they were ignored",
    );
  const parsed = fixJobSchema.safeParse(data ?? {});
  if (!parsed.success)
    logger.warn({ failure: failureKey }, "fix job data not understood; running it as an ordinary fix job");
  const job: FixJob = parsed.success ? parsed.data : {};
  if (job.resumeRunId) {
    const [approval, run] = await Promise.all([gov.getApproval(job.resumeRunId), runs.getRun(job.resumeRunId)]);
    if (approval?.status === "approved" && approval.failureKey === failureKey && run?.failure_key === failureKey) {
      return {
        requestId: null,
        manual: run.manual === true,
        requestedBy: approval.decidedBy,
        resumeRunId: job.resumeRunId,
        refused: false,
      };
    }
    logger.warn(
      { failure: failureKey, run: job.resumeRunId },
      "fix job names a run that is not approved for this failure; nothing is resumed",
    );
    return { requestId: null, manual: false, requestedBy: null, resumeRunId: null, refused: true };
  }
  if (job.requestId) {
    const request = await gov.claimFixRequest(job.requestId, failureKey);
    if (request)
      return {
        requestId: job.requestId,
        manual: true,
        requestedBy: request.requestedBy,
        resumeRunId: null,
        refused: false,
      };
    logger.warn(
      { failure: failureKey, request: job.requestId },
      "fix job names a request that does not exist for this failure or was spent; running it as an ordinary fix job",
    );
  }
  return { requestId: null, manual: false, requestedBy: null, resumeRunId: null, refused: false };
}

/** What the gate decides from, fixed when the job starts; the rest is asked at each gate. */
export interface GateFacts {
  readonly gov: GovernanceStore;
  readonly runs: RunStore;
  readonly trust: Trust;
  readonly policy: Policy;
  readonly mode: Mode;
  readonly fixCategories: Parameters<typeof decideFix>[1]["categories"];
  readonly failure: StoredFailure;
  readonly flaky: boolean;
  readonly defaultBranch: string;
  readonly fromFork: boolean;
  readonly manual: boolean;
}

/**
 * The repository's policy as the pipeline's gate: fork rules, mode and tier, approvals, loop
 * caps, cooldowns, freezes and rate limits, each asked of the database at the moment the run
 * reaches the gate. `tierAtGate` is the agent's tier as the last gate saw it (for promotions).
 */
export function policyGate(f: GateFacts): { gate: FixGate; tierAtGate: () => TierState | null } {
  const { gov, runs, failure, policy } = f;
  let tierAtGate: TierState | null = null;
  const gate: FixGate = async (input) => {
    if (input.stage === "fork") return decideFork(policy, input.approved);
    const tier = await f.trust.tierOf(failure.forge, failure.repo, input.agentId, policy);
    tierAtGate = tier;
    const fp = input.diagnosis.fingerprint;
    // This failure's own runs that died with their worker are not earlier attempts: this run is the
    // same job, handed out again, finishing what they started (see attemptsBefore).
    const before = (where: { sha?: string; fingerprint?: string }) => attemptsBefore(runs, failure, where, input.runId);
    const [onCommit, onFingerprint, inRepo, load, paused, ignored, ownCommit, seenOnDefault] = await Promise.all([
      before({ sha: failure.sha }),
      before({ fingerprint: fp }),
      before({}),
      gov.pullRequestLoad(failure.forge, failure.repo, 60 * 60 * 1000),
      gov.isPaused(
        failure.forge,
        failure.repo,
        failure.pullRequests.map((p) => p.number),
      ),
      gov.isIgnored(failure.forge, failure.repo, fp),
      isOwnCommit(gov, failure),
      failure.ref !== f.defaultBranch
        ? gov.seenOnBranch(failure.forge, failure.repo, fp, f.defaultBranch, failure.sha)
        : Promise.resolve(false),
    ]);
    const decision = decideFix(policy, {
      now: new Date(),
      mode: f.mode,
      tier,
      agentId: input.agentId,
      category: input.diagnosis.category,
      confidence: input.confidence,
      flaky: f.flaky || seenOnDefault,
      paths: input.paths,
      fromFork: f.fromFork,
      approved: input.approved,
      paused,
      ignored,
      ownCommit,
      humanPushedOverFix: input.humanOnFixBranch,
      attemptsOnCommit: onCommit.count,
      attemptsOnFingerprint: onFingerprint.count,
      last: { fingerprint: onFingerprint.last, repo: inRepo.last },
      prsOpenedAt: load.openedAt,
      openPrs: load.open,
      canPush: input.canPush,
      manual: f.manual,
      categories: f.fixCategories,
      modelWritten: input.stage === "package" && input.modelWritten === true,
    });
    if (decision.verdict !== "allow") return decision;
    return {
      verdict: "allow",
      action: decision.action,
      notes: decision.notes,
      blastRadius: blastRadiusFor(policy, tier === "revoked" ? 0 : tier),
    };
  };
  return { gate, tierAtGate: () => tierAtGate };
}

/**
 * Fix runs that got past the gate before this one (GovernanceStore.attempts), for the cooldown and
 * the loop caps, except this same failure's runs that were abandoned or threw: their worker died
 * (a crash, a deploy, an eviction), or something they needed was away for a moment (Redis
 * restarting, the forge's API), and the queue handed the job out again, so this run is that same
 * attempt finishing, not a new one. Counting them denied every retry by the 6 h cooldown, leaving
 * a failure unfixed (or its fix branch pushed without a pull request) because a worker died or
 * Redis restarted (both found by bench:faults). Other failures' runs still count, and a job
 * whose runs keep dying or throwing stops when the queue gives up on it (its attempts, and
 * BullMQ's stalled-job limit).
 */
function attemptsBefore(
  runs: RunStore,
  failure: StoredFailure,
  where: { sha?: string; fingerprint?: string },
  runId: string,
): Promise<{ count: number; last: Date | null }> {
  return runs.attemptsBefore(failure.forge, failure.repo, where, runId, failure.failureKey);
}

/** CI on Sentinel's own fix is its one verification round, not a new failure to fix. */
async function isOwnCommit(gov: GovernanceStore, failure: StoredFailure): Promise<boolean> {
  if (failure.ref?.startsWith("sentinel/fix-")) return true;
  return gov.isSentinelCommit(failure.forge, failure.repo, failure.sha);
}
