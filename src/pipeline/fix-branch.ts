import type { Diagnosis } from "../sentinel/index.js";
import { gitEnv, remoteBranchHead, type Worktree } from "../workspace/index.js";
import { sentinelGit } from "../workspace/index.js";
import { DEFAULT_AUTHOR } from "./fix-types.js";
import type { RunContext } from "./run-context.js";

/** Where a failure's fix is pushed: one branch per fingerprint, so a repeat updates one pull request. */
export function fixBranchName(d: Diagnosis): string {
  return `sentinel/fix-${d.fingerprint.replace(/^sfp1-/, "")}`;
}

/** The head of the fix branch on the remote when it is a commit Sentinel did not push; null otherwise. */
export async function othersCommitOnFixBranch(ctx: RunContext, branch: string): Promise<string | null> {
  const { deps, req } = ctx;
  const head = await remoteBranchHead(ctx.worktree as Worktree, deps.forge.remote, branch);
  if (!head || (await deps.runs.pushedCommits(req.forge, req.repo, branch)).has(head)) return null;
  return (await recoverInterruptedPush(ctx, branch, head)) ? null : head;
}

/**
 * A run whose worker died after its push landed but before the push was recorded left its commit
 * on the fix branch, unknown to the ledger. It is still Sentinel's, not a person's, when the commit
 * is Sentinel's (authored and committed as Sentinel, its Sentinel-Run trailer naming another run of
 * this repository that recorded it was about to push to this branch and is no longer running). The
 * push is then recorded for that run, so the branch, loop protection and the ledger agree again.
 */
async function recoverInterruptedPush(ctx: RunContext, branch: string, head: string): Promise<boolean> {
  const { deps, req, runId } = ctx;
  const wt = ctx.worktree as Worktree;
  const text = await sentinelGit(wt.mirrorDir, gitEnv())
    .raw(["cat-file", "commit", head])
    // Not logged: a commit the mirror cannot show is simply not one Sentinel can vouch for.
    .catch(() => null);
  if (!text) return false;
  const author = deps.author ?? DEFAULT_AUTHOR;
  const ident = `${author.name} <${author.email}>`;
  const [headers = "", message = ""] = text.split(/\n\n([\s\S]*)/);
  const who = (field: string) => new RegExp(`^${field} (.*) \\d+ [+-]\\d{4}$`, "m").exec(headers)?.[1];
  if (who("author") !== ident || who("committer") !== ident) return false;
  const deadRun = /^Sentinel-Run: (run_[A-Za-z0-9_]+)$/m.exec(message)?.[1];
  if (!deadRun || deadRun === runId) return false;
  const dead = await deps.runs.getRun(deadRun);
  if (!dead || dead.forge !== req.forge || dead.repo !== req.repo || dead.status === "running") return false;
  if (!(await deps.runs.ledger(deadRun)).some((e) => e.kind === "pushing" && e.data.branch === branch)) return false;
  await deps.runs.record(deadRun, "pushed", { branch, commit: head, recoveredBy: runId });
  ctx.log.warn({ deadRun, branch, commit: head }, "a dead run's push landed unrecorded; recorded it now");
  return true;
}
