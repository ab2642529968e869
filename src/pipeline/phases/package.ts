import type { Diagnosis } from "../../sentinel/index.js";
import { commitAndPush, diffPatch, remoteBranchHead, type Worktree } from "../../workspace/index.js";
import { fixBranchName, othersCommitOnFixBranch } from "../fix-branch.js";
import { commitMessage, forkPatchComment } from "../fix-text.js";
import { DEFAULT_AUTHOR } from "../fix-types.js";
import { modelNote } from "../model-note.js";
import { stillHolding } from "../heartbeat.js";
import type { ChosenAgent, PhaseResult, RunContext, RunPlan } from "../run-context.js";
import { RunStop } from "../run-stop.js";

/**
 * PACKAGE: the verified fix is written, the one step that changes anything outside Sentinel. A
 * fork's fix is posted as a patch on its pull request; push mode fast-forwards the pull request's
 * own branch; otherwise the fix branch is pushed for a pull request. Each write first makes sure
 * this run still holds its lease, and records its intent before it.
 */
export async function packageFix(ctx: RunContext): Promise<PhaseResult> {
  const { chosen, plan, worktree, diagnosis } = ctx;
  if (!worktree || !chosen || !plan || !diagnosis || !ctx.diff)
    throw new RunStop("error", "nothing to package: the run has no verified fix");
  const fix: VerifiedFix = { wt: worktree, d: diagnosis, chosen, plan };
  if (ctx.req.fromFork) await suggestForkPatch(ctx, fix);
  else if (ctx.action === "push" && ctx.req.pushBranch) await pushOnto(ctx, fix, ctx.req.pushBranch);
  else await pushFixBranch(ctx, fix);
  return { next: "REPORT" };
}

/** What VERIFY left for PACKAGE: the worktree with the change, and what made it. */
interface VerifiedFix {
  readonly wt: Worktree;
  readonly d: Diagnosis;
  readonly chosen: ChosenAgent;
  readonly plan: RunPlan;
}

/**
 * A fork's code never lands in this repository: its verified fix is posted on its pull request as
 * a patch the author applies (or not), and nothing is pushed anywhere.
 */
async function suggestForkPatch(ctx: RunContext, { wt, d, chosen, plan }: VerifiedFix): Promise<void> {
  const { deps, req, runId } = ctx;
  const files = ctx.diff?.files ?? [];
  if (!req.prNumber || !deps.forge.suggestPatch)
    throw new RunStop(
      "policy",
      "a fork's fix is only ever posted as a patch on its pull request, which this forge cannot do",
      "policy.forks",
    );
  const patch = await diffPatch(wt, ctx.fixPaths ?? []);
  await stillHolding(ctx);
  const comment = forkPatchComment({
    diagnosis: d,
    agentName: chosen.agent.name,
    verify: plan.verifyCommand,
    runId,
    files,
    patch,
    model: modelNote(ctx),
  });
  const posted = await deps.forge.suggestPatch(req.prNumber, comment);
  await deps.runs.record(runId, "patch.suggested", {
    pr: req.prNumber,
    commentId: posted.id,
    files,
    bytes: Buffer.byteLength(patch),
  });
  ctx.packaged = { kind: "suggested" };
}

/**
 * Onto the pull request's own branch, as a fast-forward of the failing commit: if anyone pushed
 * since, the push is refused and nothing of theirs is overwritten.
 */
async function pushOnto(ctx: RunContext, { wt, d, chosen, plan }: VerifiedFix, branch: string): Promise<void> {
  const { deps, req, runId } = ctx;
  const head = await remoteBranchHead(wt, deps.forge.remote, branch);
  if (head !== req.sha)
    throw new RunStop(
      "policy",
      `the pull request branch moved on (${head ? head.slice(0, 7) : "deleted"}) since the failing commit ${req.sha.slice(0, 7)}; Sentinel does not push over it`,
      "policy.loop",
    );
  await stillHolding(ctx);
  await deps.runs.record(runId, "pushing", { branch, onto: true });
  const message = commitMessage(d, chosen.agent.name, plan.verifyCommand, runId, {
    files: ctx.diff?.files ?? [],
    worktreeRoots: [wt.path],
    model: modelNote(ctx),
  });
  const { commit } = await commitAndPush(wt, {
    branch,
    message,
    author: deps.author ?? DEFAULT_AUTHOR,
    remote: deps.forge.remote,
    onto: true,
    paths: ctx.fixPaths ?? [],
    staged: ctx.fixStaged,
  });
  await deps.runs.record(runId, "pushed", { branch, commit, onto: true });
  ctx.packaged = { kind: "pushed", branch, commit };
}

/** The fix branch, one per fingerprint, pushed for a pull request that REPORT opens or updates. */
async function pushFixBranch(ctx: RunContext, { wt, d, chosen, plan }: VerifiedFix): Promise<void> {
  const { deps, runId } = ctx;
  const branch = fixBranchName(d);
  // Asked again right before the push (the gate asked at PREFLIGHT): a human who pushed to
  // Sentinel's fix branch meanwhile owns it now, and a force-push would erase their work.
  const existing = await othersCommitOnFixBranch(ctx, branch);
  if (existing)
    throw new RunStop(
      "policy",
      `someone else pushed to ${branch} (${existing.slice(0, 7)}); Sentinel leaves that branch alone`,
      "policy.loop",
    );
  await stillHolding(ctx);
  // The intent first: a worker that dies between the push and its record leaves a commit on the
  // branch that the next run can still recognise as Sentinel's (othersCommitOnFixBranch).
  await deps.runs.record(runId, "pushing", { branch });
  const message = commitMessage(d, chosen.agent.name, plan.verifyCommand, runId, {
    files: ctx.diff?.files ?? [],
    worktreeRoots: [wt.path],
    model: modelNote(ctx),
  });
  const { commit } = await commitAndPush(wt, {
    branch,
    message,
    author: deps.author ?? DEFAULT_AUTHOR,
    remote: deps.forge.remote,
    paths: ctx.fixPaths ?? [],
    staged: ctx.fixStaged,
  });
  await deps.runs.record(runId, "pushed", { branch, commit });
  ctx.packaged = { kind: "proposed", branch, commit };
}
