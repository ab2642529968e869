import type { Agent, AgentContext } from "../agent.js";
import { locatedFindings } from "./diagnosis-text.js";
import { llmWorker, type LlmWorkerOptions } from "./llm-worker.js";

/** The model agent's id: its tier, its revocation and `fix.categories` globs name it. */
export const LLM_AGENT_ID = "llm-patch";

/**
 * The llm-patch agent as an Agent. It handles a failed diagnosis only when the repository lets
 * the model try its category (`llm.categories`), the failing command is known (run_check and
 * VERIFY re-run it), and the diagnosis locates the failure (an error finding with file and line)
 * with evidence (the log lines around it): the model is never asked about a bare exit code.
 * selectAgent tries it only when no recipe handles the failure. Its confidence is the diagnosis's
 * own, so `policy.minConfidence` means for it what it means for a recipe: how sure the diagnosis is.
 */
export function llmPatchAgent(o: LlmWorkerOptions): Agent {
  const worker = llmWorker(o);
  return {
    id: LLM_AGENT_ID,
    name: `llm-patch (${o.settings.model})`,
    model: worker,
    handles(ctx: AgentContext): number | null {
      const d = ctx.diagnosis;
      if (d.status !== "failed" || !o.config.categories.includes(d.category)) return null;
      if (!ctx.failingCommand?.length) return null;
      if (locatedFindings(d).length === 0 || !d.evidence?.lines.length) return null;
      return d.confidence;
    },
    // Nothing to run: EXECUTE hands the worktree to the model's loop (Agent.model).
    plan: () => [],
    verifyCommand: () => null,
  };
}
