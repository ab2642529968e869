import { commandLine } from "../../core/index.js";
import { snapshotWorktree, worktreeState } from "../../workspace/index.js";
import type { InstructionPacket } from "../governance.js";
import type { PhaseResult, RunContext } from "../run-context.js";
import { RunStop } from "../run-stop.js";

/**
 * PLAN: the chosen agent's steps and the command that verifies them, and the instruction packet
 * (objective, constraints, success criteria, budget and blast radius) recorded with the run.
 */
export async function plan(ctx: RunContext): Promise<PhaseResult> {
  const { deps, runId } = ctx;
  const chosen = ctx.chosen;
  const d = ctx.diagnosis;
  if (!chosen || !d) throw new RunStop("no-agent", "nothing to plan: no agent was chosen for a diagnosis");
  const steps = chosen.agent.plan(chosen.context);
  const verifyCommand = chosen.agent.verifyCommand(chosen.context) ?? ctx.req.failingCommand ?? null;
  if (!verifyCommand?.length)
    throw new RunStop("no-agent", "nothing to verify with: the failing command is unknown and the agent names none");
  const blast = ctx.blast;
  const packet: InstructionPacket = {
    objective: `Make \`${commandLine(verifyCommand)}\` pass again: ${d.summary}`,
    constraints: { allowedPaths: ["*"], forbiddenPaths: blast.forbiddenPaths, requiredSteps: steps.map((s) => s.id) },
    successCriteria: [
      `\`${commandLine(verifyCommand)}\` exits 0 with no failing finding`,
      `at most ${blast.maxFiles} files and ${blast.maxLines} lines changed`,
      "no forbidden path touched",
    ],
    errorBudget: ctx.budget.limits,
    blastRadius: blast,
  };
  ctx.plan = { steps, verifyCommand, packet };
  // What the failing command and any install left in the worktree is not the fixer's work.
  if (ctx.worktree) {
    ctx.stateBeforeFix = await worktreeState(ctx.worktree);
    // Kept only while a model agent may take over from this recipe: its change must be taken back first.
    ctx.snapshot =
      ctx.modelFallback && !chosen.agent.model ? await snapshotWorktree(ctx.worktree, ctx.stateBeforeFix) : null;
  }
  await deps.runs.setRunFields(runId, { agentId: chosen.agent.id, packet });
  deps.runs.note(runId, "plan", {
    agent: chosen.agent.id,
    confidence: chosen.confidence,
    steps: steps.map((s) => ({ id: s.id, command: s.command })),
    verify: verifyCommand,
  });
  return { next: "EXECUTE" };
}
