import { loadRepoConfig } from "../config/index.js";
import { Trust } from "../pipeline/index.js";
import type { IngestItem } from "../core/index.js";
import type { WorkerDeps } from "./worker-deps.js";

type Closed = Extract<IngestItem, { kind: "pr-closed" }>;

/** GitHub's "Revert" button names its branch `revert-<n>-<branch>` and its body "Reverts owner/repo#<n>". */
function revertedNumber(item: Closed): number | null {
  const byBranch = /^revert-(\d+)-sentinel\//.exec(item.headRef);
  if (byBranch) return Number(byBranch[1]);
  const byBody = /^Reverts [\w.-]+\/[\w.-]+#(\d+)\b/m.exec(item.body) ?? /^Reverts !(\d+)\b/m.exec(item.body);
  return byBody ? Number(byBody[1]) : null;
}

/**
 * A pull/merge request was merged or closed. A merged fix (or a merged pull request Sentinel
 * pushed a fix onto) is a clean run for its agent; a fix closed unmerged starts the streak again;
 * a merged revert of a fix demotes the agent that wrote it. Each tier change is a ledger entry.
 */
export async function pullRequestClosed(deps: WorkerDeps, item: Closed): Promise<string> {
  const runs = deps.store.runs;
  const gov = deps.store.gov;
  const trust = new Trust(gov);
  const notes: string[] = [];
  const own = await runs.findPullRequestByNumber(item.forge, item.repo, item.prNumber);
  const revertOf = item.merged ? revertedNumber(item) : null;
  const reverted = revertOf !== null ? await runs.findPullRequestByNumber(item.forge, item.repo, revertOf) : null;
  if (!own && !reverted) return `pull request #${item.prNumber} closed: not Sentinel's`;
  const forge = await deps.forges.client({
    forge: item.forge,
    repo: item.repo,
    repoId: item.repoId,
    installationId: item.installationId,
  });
  // Trust moves only on what the forge says happened: a signed delivery (GitHub) is the forge's
  // word; a GitLab hook's "merge" or "close" is the claim of whoever knows the webhook secret,
  // so its API is asked (a merged fix promotes its agent).
  if (!forge.signedHooks) {
    const info = await forge.pullRequestInfo(item.prNumber);
    const claimed = item.merged ? "merged" : "closed";
    if (!info || info.state !== claimed) {
      deps.logger.warn(
        { pr: item.prNumber, claimed, api: info?.state ?? "none" },
        "a merge or close the forge's API does not confirm; trust is unchanged",
      );
      return `pull request #${item.prNumber} ${claimed}: not confirmed by the API (it says ${info?.state ?? "no such pull request"}); nothing changed`;
    }
    if (revertOf !== null && revertedNumber({ ...item, headRef: info.headRef, body: info.body ?? "" }) !== revertOf) {
      return `pull request #${item.prNumber} merged: the API's branch and description name no revert of a fix; nothing changed`;
    }
  }
  const { config } = await loadRepoConfig(forge);
  if (own && own.state === "open") {
    await runs.setPullRequestState(item.forge, item.repo, item.prNumber, item.merged ? "merged" : "closed");
    if (item.merged) deps.metrics?.pullRequestsMerged.inc({ forge: item.forge });
    await runs.record(own.runId, item.merged ? "pull-request.merged" : "pull-request.closed", {
      forge: item.forge,
      repo: item.repo,
      number: item.prNumber,
    });
    if (own.agentId) {
      if (item.merged) {
        const r = await trust.recordClean(item.forge, item.repo, own.agentId, config.policy, {
          runId: own.runId,
          evidence: `fix #${item.prNumber} merged`,
        });
        notes.push(
          `${own.agentId} credited for merged fix #${item.prNumber}${r.promoted ? `, promoted to T${r.tier}` : ""}`,
        );
      } else {
        await trust.resetStreak(item.forge, item.repo, own.agentId);
        notes.push(`fix #${item.prNumber} closed unmerged`);
      }
    }
  }
  if (reverted?.agentId && reverted.state === "merged") {
    const to = await trust.demote(
      item.forge,
      item.repo,
      reverted.agentId,
      config.policy,
      `fix #${reverted.number} was reverted by #${item.prNumber}`,
      { runId: reverted.runId, revertedBy: item.prNumber },
    );
    await runs.record(reverted.runId, "fix.reverted", {
      forge: item.forge,
      repo: item.repo,
      number: reverted.number,
      by: item.prNumber,
      tier: to,
    });
    notes.push(`${reverted.agentId} demoted: fix #${reverted.number} reverted`);
  }
  return notes.join("; ") || `pull request #${item.prNumber} closed`;
}
