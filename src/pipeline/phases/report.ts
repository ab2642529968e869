import { forgeAdapter } from "../../forge/index.js";
import { pullRequestBody, pullRequestTitle } from "../fix-text.js";
import { modelNote } from "../model-note.js";
import type { PhaseResult, RunContext } from "../run-context.js";
import { RunStop } from "../run-stop.js";

/**
 * REPORT: what PACKAGE wrote is made known. A pushed fix is recorded against the pull request it
 * landed on; a fix branch gets its pull request opened (or updated) and recorded, so the sticky
 * comment can link it and a repeat finds it. The run ends with what it did.
 */
export async function report(ctx: RunContext): Promise<PhaseResult> {
  const { deps, req, runId, chosen, plan, packaged } = ctx;
  const d = ctx.diagnosis;
  if (!packaged || !chosen || !plan || !d) throw new RunStop("error", "nothing to report: the run wrote nothing");
  const agentId = chosen.agent.id;
  if (packaged.kind === "suggested") {
    return {
      end: {
        status: "suggested",
        reason: `posted the verified fix as a patch on #${req.prNumber}; nothing was pushed (the pull request comes from a fork)`,
      },
    };
  }
  const { branch, commit } = packaged;
  if (packaged.kind === "pushed") {
    if (req.prNumber) {
      await deps.runs.upsertPullRequest({
        forge: req.forge,
        repo: req.repo,
        headBranch: branch,
        number: req.prNumber,
        url: null,
        baseBranch: req.baseBranch,
        title: "",
        body: "",
        state: "open",
        runId,
        fingerprint: d.fingerprint,
        kind: "push",
        agentId,
        commitSha: commit,
      });
    }
    return { end: { status: "pushed", reason: `pushed ${commit.slice(0, 7)} onto ${branch}`, branch, commit } };
  }
  const title = pullRequestTitle(d, chosen.agent.name, ctx.diff?.files ?? []);
  const pr = await deps.forge.openOrUpdatePullRequest({
    repo: req.repo,
    head: branch,
    base: req.baseBranch,
    title,
    body: pullRequestBody(
      d,
      plan.packet,
      ctx.diff?.files ?? [],
      plan.verifyCommand,
      runId,
      chosen.agent.name,
      modelNote(ctx),
    ),
    runId,
    fingerprint: d.fingerprint,
  });
  await deps.runs.record(runId, "pull-request", { ...pr, branch });
  // Recorded for every forge, so the sticky comment can link it and a repeat finds it.
  if (!forgeAdapter(deps.forge.forge).pullRequestsInStore) {
    await deps.runs.upsertPullRequest({
      forge: req.forge,
      repo: req.repo,
      headBranch: branch,
      number: pr.number,
      url: pr.url,
      baseBranch: req.baseBranch,
      title,
      body: "",
      state: "open",
      runId,
      fingerprint: d.fingerprint,
      kind: "fix",
      agentId,
      commitSha: commit,
    });
  }
  return {
    end: {
      status: "proposed",
      reason: `${pr.created ? "opened" : "updated"} pull request #${pr.number}`,
      branch,
      commit,
      pullRequest: pr,
    },
  };
}
