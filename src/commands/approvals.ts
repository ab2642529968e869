import type { JobQueue } from "../queue/index.js";
import { safeJobId } from "../queue/index.js";
import type { Approval, GovernanceStore, RunStore } from "../store/index.js";

export interface ApprovalDeps {
  readonly gov: GovernanceStore;
  readonly runs: RunStore;
  readonly queue: JobQueue;
}

/**
 * Decides a run that waits for a human, from a PR/MR command or a Slack button: an approval
 * queues the run to resume from PREFLIGHT, a denial ends it. Only the first decision counts (the
 * store's update is conditional), and both are ledger entries with who and how.
 */
export async function resolveApproval(
  deps: ApprovalDeps,
  runId: string,
  decision: "approve" | "deny",
  by: string,
  via: "comment" | "slack" | "cli",
): Promise<{ ok: boolean; message: string; approval: Approval | null }> {
  const decided = await deps.gov.decideApproval(runId, decision === "approve" ? "approved" : "denied", by, via);
  if (!decided) {
    const known = await deps.gov.getApproval(runId);
    const why = !known
      ? "no such run waits for approval"
      : known.status === "waiting"
        ? "its approval expired"
        : `it was ${known.status}${known.decidedBy ? ` by ${known.decidedBy}` : ""} already`;
    return { ok: false, message: `Run ${runId}: ${why}.`, approval: known };
  }
  if (decision === "approve") {
    await deps.runs.setRunStatus(runId, "approved", ["waiting"]);
    if (decided.failureKey) {
      await deps.queue.add(
        "fix",
        { failureKey: decided.failureKey, resumeRunId: runId },
        { jobId: safeJobId("fix", `${decided.failureKey}:resume:${runId}`) },
      );
    }
    return { ok: true, message: `Approved by ${by}: run ${runId} resumes.`, approval: decided };
  }
  if (await deps.runs.setRunStatus(runId, "denied", ["waiting"])) {
    await deps.runs.db.query("UPDATE runs SET phase = 'EXIT', finished_at = now() WHERE run_id = $1", [runId]);
    await deps.runs.record(runId, "run.finished", { status: "denied", reason: `denied by ${by}` });
  }
  if (decided.failureKey) {
    await deps.gov.setDecision({
      failureKey: decided.failureKey,
      forge: decided.forge,
      repo: decided.repo,
      fingerprint: decided.fingerprint,
      verdict: "denied",
      rule: decided.rule,
      message: `denied by ${by}`,
      runId,
    });
  }
  return { ok: true, message: `Denied by ${by}: run ${runId} ends without writing anything.`, approval: decided };
}

/** Ends runs whose approval expired (the worker's sweeper calls this). */
export async function expireApprovals(deps: ApprovalDeps): Promise<Approval[]> {
  const expired = await deps.gov.expireApprovals();
  for (const a of expired) {
    if (await deps.runs.setRunStatus(a.runId, "expired", ["waiting"])) {
      await deps.runs.db.query("UPDATE runs SET phase = 'EXIT', finished_at = now() WHERE run_id = $1", [a.runId]);
      await deps.runs.record(a.runId, "run.finished", { status: "expired", reason: "no one approved it in time" });
    }
    if (a.failureKey)
      await deps.gov.setDecision({
        failureKey: a.failureKey,
        forge: a.forge,
        repo: a.repo,
        fingerprint: a.fingerprint,
        verdict: "denied",
        rule: "policy.approval.expiresAfter",
        message: "the approval request expired",
        runId: a.runId,
      });
  }
  return expired;
}
