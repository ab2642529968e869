import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Diagnosis } from "../sentinel/index.js";
import type { RunPhase } from "../store/index.js";
import { removeWorktree } from "../workspace/index.js";
import { endingOutcome, failRun, finishRun, stopRun } from "./finish-run.js";
import type { FixDeps, FixOutcome, FixRequest } from "./fix-types.js";
import { enterPhase } from "./phase-clock.js";
import { bootstrap } from "./phases/bootstrap.js";
import { execute } from "./phases/execute.js";
import { packageFix } from "./phases/package.js";
import { plan } from "./phases/plan.js";
import { preflight } from "./phases/preflight.js";
import { report } from "./phases/report.js";
import { verify } from "./phases/verify.js";
import { createRunContext, fingerprintOf, type Phase, type PhaseResult, type RunContext } from "./run-context.js";
import { removeRunDirectory } from "./run-janitor.js";
import { RunStop } from "./run-stop.js";

const PHASES: Readonly<Record<Exclude<RunPhase, "EXIT">, Phase>> = {
  BOOTSTRAP: bootstrap,
  PREFLIGHT: preflight,
  PLAN: plan,
  EXECUTE: execute,
  VERIFY: verify,
  PACKAGE: packageFix,
  REPORT: report,
};

/**
 * The governed fix pipeline: BOOTSTRAP → PREFLIGHT → PLAN → EXECUTE → VERIFY → PACKAGE → REPORT →
 * EXIT. Every transition, command and decision is persisted and written to the ledger. A run
 * holds a lease on its repository and fix branch; a run whose worker died is abandoned (it
 * pushed nothing, because the push is the last, atomic step) and the next attempt starts clean.
 */
export async function runFix(deps: FixDeps, req: FixRequest): Promise<FixOutcome> {
  const resuming = Boolean(req.resumeRunId);
  const runId = req.resumeRunId ?? `run_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  if (resuming && !(await deps.runs.resumeRun(runId, req.failureKey ?? null))) {
    // Decided, expired, or resumed by a job that ran before this one: nothing to do twice.
    return { runId, status: "nothing-to-fix", reason: "the run is not approved and waiting to resume", phaseMs: {} };
  }
  const ctx = createRunContext(deps, req, runId, resuming);
  if (!resuming) {
    const { runKey } = ctx;
    await deps.runs.startRun({
      runId,
      runKey,
      forge: req.forge,
      repo: req.repo,
      fingerprint: fingerprintOf(req),
      failureKey: req.failureKey ?? null,
      sha: req.sha,
      prNumber: req.prNumber ?? null,
      manual: req.manual ?? false,
    });
    await deps.runs.record(runId, "run.started", {
      sha: req.sha,
      baseBranch: req.baseBranch,
      failureKey: req.failureKey ?? null,
      prNumber: req.prNumber ?? null,
      manual: req.manual ?? false,
      requestedBy: req.requestedBy ?? null,
    });
  }
  try {
    for (let phase: Exclude<RunPhase, "EXIT"> = "BOOTSTRAP"; ;) {
      const result: PhaseResult = await PHASES[phase](ctx);
      if ("end" in result) return await finishRun(ctx, endingOutcome(ctx, result.end));
      await enterPhase(ctx, result.next);
      phase = result.next;
    }
  } catch (error) {
    if (error instanceof RunStop) return await stopRun(ctx, error);
    await failRun(ctx, error);
    throw error;
  } finally {
    await cleanUp(ctx);
  }
}

/** Whatever the outcome: the heart stops, the worktree and the run's folder go, the lease is let go. */
async function cleanUp(ctx: RunContext): Promise<void> {
  ctx.stopHeartbeat?.();
  const failed = (what: string) => (error: unknown) =>
    ctx.log.warn(
      { err: error instanceof Error ? error.message : String(error) },
      `could not ${what}; the janitor tries again`,
    );
  // The lease guards the repository's fix branch, not this run's own folders: it goes while they
  // are deleted. (A lease not released lapses by itself within its TTL.)
  const released = ctx.leases.release(ctx.leaseKey, ctx.runId).catch(failed("release the run's lease"));
  const worktreeGone = ctx.worktree
    ? await removeWorktree(ctx.worktree).then(
        () => true,
        (error: unknown) => (failed("remove the run's worktree")(error), false),
      )
    : false;
  if (ctx.runDir) {
    // The worktree removed above was the one the mirror registered in the run's folder, and its
    // prune dropped it: the folder then only has to go. Only a worktree whose creation was cut
    // short (locked, unknown here) needs the mirror asked again, two more git processes.
    const { dir, mirrorDir } = ctx.runDir;
    const covered =
      worktreeGone && ctx.worktree?.mirrorDir === mirrorDir && ctx.worktree.path.startsWith(dir + path.sep);
    await removeRunDirectory(dir, covered ? null : mirrorDir);
  }
  await released;
}

/** A GitHub step header `Run npx eslint .` names the command that failed. */
export function commandFromStep(d: Diagnosis): string[] | null {
  const name = d.step?.name;
  if (!name || !name.startsWith("Run ")) return null;
  const cmd = name.slice(4).trim();
  // A step that runs an action (`Run actions/setup-node@v4`) is not a command.
  if (!cmd || /^[\w.-]+\/[\w.-]+@/.test(cmd) || cmd.includes("\n")) return null;
  return ["sh", "-c", cmd];
}
