import { commandLine } from "../../core/index.js";
import { changedPaths, diffStat, worktreeState } from "../../workspace/index.js";
import { blastRadiusViolation } from "../governance.js";
import { fallBackToModel } from "../model-fallback.js";
import { rememberModelPatch } from "../model-verified.js";
import type { PhaseResult, RunContext } from "../run-context.js";
import { askGate } from "../run-gate.js";
import { RunStop } from "../run-stop.js";
import { classifyRun, stopAtLimit } from "../worktree-commands.js";

/**
 * VERIFY: the verify command passes with no failing finding, the fix changed something, and no
 * more than the blast radius allows. A shadow run ends here, having written nothing; any other
 * asks the policy again (time has passed, and the diff names the paths) before PACKAGE.
 */
export async function verify(ctx: RunContext): Promise<PhaseResult> {
  const { deps, runId, chosen, plan } = ctx;
  const d = ctx.diagnosis;
  if (!ctx.worktree || !chosen || !plan || !d)
    throw new RunStop("error", "nothing to verify: the run has no worktree, agent or plan");
  const agentId = chosen.agent.id;
  const { verifyCommand } = plan;
  // The fix is what the fixer changed, nothing else: a build output of the failing command or of
  // VERIFY (a binary, a coverage file) is never committed, whether the repository ignores it or not.
  const afterFix = await worktreeState(ctx.worktree);
  const fixPaths = changedPaths(ctx.stateBeforeFix ?? new Map(), afterFix);
  ctx.fixPaths = fixPaths;
  const verified = await classifyRun(ctx, verifyCommand, { step: "verify" });
  stopAtLimit("verify", verified.result);
  deps.runs.note(runId, "verify", {
    command: verifyCommand,
    exitCode: verified.result.exitCode,
    status: verified.diagnosis.status,
    summary: verified.diagnosis.summary,
    sandboxed: verified.result.sandboxed,
  });
  if (verified.result.exitCode !== 0 || verified.diagnosis.status === "failed") {
    const failed = `\`${commandLine(verifyCommand)}\` still fails after ${agentId}: ${verified.diagnosis.summary}`;
    if (await fallBackToModel(ctx, failed)) return { next: "PLAN" };
    throw new RunStop("verify-failed", failed);
  }
  // What VERIFY checked must be what is written: a verify command that rewrote the fix proves nothing.
  const rewritten = changedPaths(afterFix, await worktreeState(ctx.worktree)).filter((p) => fixPaths.includes(p));
  if (rewritten.length > 0)
    throw new RunStop(
      "verify-failed",
      `\`${commandLine(verifyCommand)}\` changed the fix it was verifying (${rewritten.slice(0, 5).join(", ")}): nothing is proposed`,
    );
  const diff = await diffStat(ctx.worktree, fixPaths);
  deps.runs.note(runId, "diff", {
    files: diff.files,
    linesAdded: diff.linesAdded,
    linesDeleted: diff.linesDeleted,
  });
  if (diff.files.length === 0)
    throw new RunStop(
      "nothing-to-fix",
      `${agentId} changed nothing, yet the command passes: the failure did not reproduce here`,
    );
  ctx.diff = { files: diff.files, linesAdded: diff.linesAdded, linesDeleted: diff.linesDeleted };
  const over = blastRadiusViolation(diff, ctx.blast);
  if (over) throw new RunStop("blast-radius", `the fix ${over}`, "policy.blastRadius");
  await rememberModelPatch(ctx);
  if (ctx.action === "shadow") {
    await deps.runs.record(runId, "shadow", {
      wouldChange: diff.files,
      linesAdded: diff.linesAdded,
      linesDeleted: diff.linesDeleted,
    });
    const files = `${diff.files.length} file${diff.files.length === 1 ? "" : "s"}`;
    throw new RunStop(
      "shadow",
      `shadow mode: ${chosen.agent.name} would change ${files} (+${diff.linesAdded} −${diff.linesDeleted}), verified by \`${commandLine(verifyCommand)}\`; nothing was written`,
    );
  }
  // Time has passed since PREFLIGHT (a freeze may have begun), and the diff names the paths.
  await askGate(ctx, "package", agentId, chosen.confidence, d, diff.files);
  ctx.fixStaged = true;
  return { next: "PACKAGE" };
}
