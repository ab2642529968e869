import type { LoadedRepoConfig } from "../config/index.js";
import type { ForgeClient } from "../forge/index.js";
import { notify, refreshStickyComments, type ChatNotifier } from "../notify/index.js";
import type { NotifyEvent } from "../policy/index.js";
import type { GovernanceStore, Store, StoredFailure } from "../store/index.js";
import type { Logger } from "pino";
import type { FixOutcome } from "./fix-types.js";
import type { TierState, Trust } from "./trust.js";

/** What telling people about a run needs: the store, chat, and where to log. */
export interface AfterRunDeps {
  readonly store: Store;
  readonly logger: Logger;
  readonly chat?: ChatNotifier;
}

export interface FinishedRun {
  readonly gov: GovernanceStore;
  readonly trust: Trust;
  readonly loaded: LoadedRepoConfig;
  readonly failure: StoredFailure;
  readonly outcome: FixOutcome;
  readonly tierAtGate: TierState | null;
  readonly forge: ForgeClient;
}

/** What follows a run: approvals asked for, trust earned or lost, people told. */
export async function afterRun(deps: AfterRunDeps, r: FinishedRun): Promise<void> {
  const { gov, trust, loaded, failure, outcome } = r;
  const policy = loaded.config.policy;
  const tell = (event: NotifyEvent, title: string, text: string, extra: { url?: string | null; runId?: string } = {}) =>
    notify(deps, loaded, event, failure.repo, title, text, extra);
  switch (outcome.status) {
    case "waiting-approval": {
      // Durations in the parsed policy are milliseconds already.
      const expiresAt = new Date(Date.now() + policy.approval.expiresAfter);
      await gov.requestApproval({
        runId: outcome.runId,
        forge: failure.forge,
        repo: failure.repo,
        prNumber: failure.pullRequests[0]?.number ?? null,
        failureKey: failure.failureKey,
        fingerprint: (await deps.store.diagnoses.get(failure.failureKey))?.diagnosis.fingerprint ?? "",
        rule: outcome.rule ?? "policy.approval",
        message: outcome.reason,
        expiresAt,
      });
      await tell(
        "approval-needed",
        `Approval needed: ${outcome.agentId ?? "a fix"} for ${failure.jobName}`,
        `${outcome.reason}\nApprove with \`/sentinel approve ${outcome.runId}\` on the pull request, or here. Expires ${expiresAt.toISOString()}.`,
        { runId: outcome.runId, url: failure.jobUrl },
      );
      break;
    }
    case "shadow":
      // A verified shadow run is how an agent at T0 earns its first promotion.
      if (r.tierAtGate === 0 && outcome.agentId) {
        const { promoted, tier } = await trust.recordClean(failure.forge, failure.repo, outcome.agentId, policy, {
          runId: outcome.runId,
          evidence: "verified shadow run",
          diff: outcome.diff ?? null,
        });
        if (promoted) deps.logger.info({ repo: failure.repo, agent: outcome.agentId, tier }, "agent promoted");
      }
      break;
    case "suggested":
      await tell(
        "fix-opened",
        `Sentinel suggested a verified fix as a patch on #${failure.pullRequests[0]?.number ?? "?"}`,
        `${failure.jobName}: ${outcome.reason}`,
      );
      break;
    case "proposed":
    case "pushed":
      await tell(
        "fix-opened",
        outcome.status === "pushed"
          ? `Sentinel pushed a verified fix onto ${outcome.branch}`
          : `Sentinel opened verified fix #${outcome.pullRequest?.number}`,
        `${failure.jobName}: ${outcome.reason}`,
        { url: outcome.pullRequest?.url ?? null },
      );
      break;
    case "escalated":
      // A breached error budget revoked the agent; a recipe's `escalate` only hands this one failure over.
      if (outcome.revoked)
        await tell(
          "revoked",
          `Agent ${outcome.agentId ?? "?"} revoked in ${failure.repo}`,
          `${outcome.reason}\nA handoff is in run ${outcome.runId} (\`sentinel audit replay ${outcome.runId}\`); \`/sentinel resume\` restores the agent at T0.`,
          { runId: outcome.runId },
        );
      else
        await tell(
          "escalated",
          `Agent ${outcome.agentId ?? "?"} handed a failure to a human in ${failure.repo}`,
          `${outcome.reason}\nA handoff is in run ${outcome.runId} (\`sentinel audit replay ${outcome.runId}\`).`,
          { runId: outcome.runId },
        );
      break;
    case "policy":
      if (outcome.rule?.startsWith("policy.freeze"))
        await tell("freeze-blocked", `Change freeze: no fix for ${failure.jobName}`, outcome.reason);
      break;
  }
  if (failure.pullRequests.length > 0) await refreshStickyComments(deps, r.forge, failure, loaded);
}
