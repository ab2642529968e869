import type { Agent, AgentContext, PlannedStep } from "./agent.js";
import { toArgv } from "./agent.js";
import { findingScope, type FindingScope } from "./finding-scope.js";
import type { Recipe } from "./recipe-schema.js";

/** A declarative recipe as an Agent. */
export function recipeAgent(recipe: Recipe): Agent {
  // A recipe limited by codes, or one whose steps name `{files}`, fixes only what the findings name.
  const scoped = Boolean(recipe.handles.codes) || recipe.steps.some((s) => toArgv(s.run).includes("{files}"));
  const scopeOf = (ctx: AgentContext) => findingScope(ctx.diagnosis, recipe.handles.codes ?? null, ctx.fileExists);
  return {
    id: recipe.id,
    name: recipe.name,
    handles(ctx: AgentContext): number | null {
      const d = ctx.diagnosis;
      if (d.status !== "failed" || d.category === "unknown" || d.category === "passed") return null;
      if (!recipe.handles.categories.includes(d.category)) return null;
      if (recipe.handles.tools && !(d.tool && recipe.handles.tools.includes(d.tool))) return null;
      if (recipe.handles.requiresFile && !ctx.fileExists(recipe.handles.requiresFile)) return null;
      if (scoped && !scopeOf(ctx)) return null;
      return Math.round(recipe.confidence * d.confidence * 100) / 100;
    },
    plan(ctx: AgentContext): PlannedStep[] {
      const scope = scoped ? scopeOf(ctx) : null;
      return recipe.steps
        .filter(
          (s) =>
            (!s.when?.fileExists || ctx.fileExists(s.when.fileExists)) &&
            (!s.when?.fileMissing || !ctx.fileExists(s.when.fileMissing)),
        )
        .map((s) => ({
          id: s.id,
          command: scope ? withScope(toArgv(s.run), scope) : toArgv(s.run),
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

/** `{codes}` becomes the scope's codes, comma-separated; an argument `{files}` becomes one argument per file. */
function withScope(argv: readonly string[], scope: FindingScope): string[] {
  return argv.flatMap((a) => (a === "{files}" ? [...scope.files] : [a.replaceAll("{codes}", scope.codes.join(","))]));
}
