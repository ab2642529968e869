import type { ModelNote } from "./fix-text.js";
import type { RunContext } from "./run-context.js";

/**
 * What a language model did for this run's fix, for every text that carries the fix (pull request,
 * commit, fork patch comment); undefined when no model wrote it.
 */
export function modelNote(ctx: RunContext): ModelNote | undefined {
  const work = ctx.modelWork;
  if (!work || work.kind === "refused") return undefined;
  const spent = work.kind === "reused" ? work.original : work.accounting;
  return {
    model: spent.model,
    tokensIn: spent.tokensIn,
    tokensOut: spent.tokensOut,
    cost: spent.cost,
    turns: spent.turns,
    ...(work.kind === "reused" ? { reusedFrom: work.fromRunId } : {}),
    ...(ctx.setAside ? { afterRecipe: ctx.setAside.agentId } : {}),
  };
}
