import type { Agent, AgentContext, PlannedStep } from "./agent.js";
import { toArgv } from "./agent.js";
import type { Recipe } from "./recipe-schema.js";

/** A declarative recipe as an Agent. */
export function recipeAgent(recipe: Recipe): Agent {
  return {
    id: recipe.id,
    name: recipe.name,
    handles(ctx: AgentContext): number | null {
      const d = ctx.diagnosis;
      if (d.status !== "failed" || d.category === "unknown" || d.category === "passed") return null;
      if (!recipe.handles.categories.includes(d.category)) return null;
      if (recipe.handles.tools && !(d.tool && recipe.handles.tools.includes(d.tool))) return null;
      if (recipe.handles.requiresFile && !ctx.fileExists(recipe.handles.requiresFile)) return null;
      return Math.round(recipe.confidence * d.confidence * 100) / 100;
    },
    plan(ctx: AgentContext): PlannedStep[] {
      return recipe.steps
        .filter(
          (s) =>
            (!s.when?.fileExists || ctx.fileExists(s.when.fileExists)) &&
            (!s.when?.fileMissing || !ctx.fileExists(s.when.fileMissing)),
        )
        .map((s) => ({
          id: s.id,
          command: toArgv(s.run),
          network: s.network,
          timeoutMs: s.timeout * 1000,
          onError: s.onError,
          retries: s.retries,
        }));
    },
    verifyCommand(): readonly string[] | null {
      return recipe.verify ? toArgv(recipe.verify.run) : null;
    },
  };
}
