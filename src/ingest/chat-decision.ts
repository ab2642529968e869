import { resolveApproval } from "../commands/index.js";
import { loadRepoConfig } from "../config/index.js";
import { mayApprove } from "../policy/index.js";
import { refreshPullRequest } from "../notify/index.js";
import type { WorkerDeps } from "./worker-deps.js";

/**
 * An Approve or Deny button pressed in chat. The presser is checked against the approvers the
 * repository's policy names (its default branch, read now): in Slack only `slackUsers` count,
 * because a Slack account proves nothing about a forge account.
 */
export async function decideFromChat(
  deps: WorkerDeps,
  d: { runId: string; decision: "approve" | "deny"; slackUserId: string; slackUserName: string | null },
): Promise<{ ok: boolean; message: string }> {
  const gov = deps.store.gov;
  const approval = await gov.getApproval(d.runId);
  if (!approval) return { ok: false, message: `run ${d.runId} is not waiting for approval` };
  const failure = approval.failureKey ? await deps.store.failures.get(approval.failureKey) : null;
  if (!failure) return { ok: false, message: `run ${d.runId} has no failure on record` };
  const forge = await deps.forges.client({
    forge: failure.forge,
    repo: failure.repo,
    repoId: failure.repoId,
    installationId: failure.installationId ?? null,
  });
  const loaded = await loadRepoConfig(forge);
  if (!mayApprove(loaded.config.policy.approval.approvers, { slackUserId: d.slackUserId })) {
    return {
      ok: false,
      message: `you are not an approver for ${failure.repo} (its policy.approval.approvers.slackUsers does not list you)`,
    };
  }
  const result = await resolveApproval(
    { gov, runs: deps.store.runs, queue: deps.queue },
    d.runId,
    d.decision,
    `slack:${d.slackUserName ?? d.slackUserId}`,
    "slack",
  );
  if (result.ok && approval.prNumber)
    await refreshPullRequest(deps, forge, approval.prNumber, loaded).catch((error: unknown) =>
      deps.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        "sticky comment refresh after a Slack decision failed",
      ),
    );
  return { ok: result.ok, message: result.message };
}
