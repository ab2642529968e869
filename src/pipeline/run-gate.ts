import type { Diagnosis } from "../sentinel/index.js";
import { fixBranchName, othersCommitOnFixBranch } from "./fix-branch.js";
import type { GateInput } from "./fix-types.js";
import type { RunContext } from "./run-context.js";
import { RunStop } from "./run-stop.js";

/** Asks the policy; a denial stops the run, a needed approval parks it in PREFLIGHT. */
export async function askGate(
  ctx: RunContext,
  stage: GateInput["stage"],
  agent: string,
  confidence: number,
  d: Diagnosis,
  paths: readonly string[],
): Promise<void> {
  const { deps, req, runId } = ctx;
  if (!deps.gate) return;
  const canPush = Boolean(req.pushBranch) && !req.fromFork;
  const humanOnFixBranch =
    stage === "preflight" && !req.fromFork && (await othersCommitOnFixBranch(ctx, fixBranchName(d))) !== null;
  const result = await deps.gate({
    stage,
    runId,
    agentId: agent,
    confidence,
    diagnosis: d,
    paths,
    canPush,
    humanOnFixBranch,
    approved: ctx.resuming,
    modelWritten: Boolean(ctx.chosen?.agent.model),
  });
  deps.runs.note(runId, "policy.decision", { stage, ...result });
  if (result.verdict === "deny") throw new RunStop("policy", result.message, result.rule);
  if (result.verdict === "wait") throw new RunStop("waiting-approval", result.message, result.rule);
  if (stage === "fork") return;
  if (stage === "preflight") {
    ctx.action = result.action;
    if (result.blastRadius) ctx.blast = result.blastRadius;
    await deps.runs.setRunFields(runId, { action: ctx.action });
  } else if (result.action !== ctx.action && !(ctx.action === "push" && result.action === "propose")) {
    // The package gate may only narrow what the run does (push → propose), never widen it.
    throw new RunStop(
      "policy",
      `the policy changed during the run (now ${result.action}); nothing was written`,
      "mode",
    );
  } else {
    ctx.action = result.action;
  }
}

/** The files a diagnosis's findings name: what the policy's path rules are asked about before there is a diff. */
export function blamedPaths(d: Diagnosis): string[] {
  return [...new Set(d.findings.map((f) => f.file).filter((f): f is string => Boolean(f)))];
}
