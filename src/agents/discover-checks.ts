import { toArgv } from "./agent.js";
import type { Recipe } from "./recipe-schema.js";

export interface DiscoveredCheck {
  readonly recipeId: string;
  readonly command: readonly string[];
}

/**
 * The checks worth running on a repository where no CI named a failing command: those of the
 * enabled recipes whose required files the repository has and whose tool this machine has (a
 * missing tool would fail every check, and that is not a failure of the repository).
 */
export function discoverChecks(
  recipes: readonly Recipe[],
  has: { file(path: string): boolean; tool(name: string): boolean },
): DiscoveredCheck[] {
  return recipes
    .filter((r) => r.enabled && r.check)
    .filter(
      (r) =>
        (!r.handles.requiresFile || has.file(r.handles.requiresFile)) &&
        (!r.check!.when?.fileExists || has.file(r.check!.when.fileExists)),
    )
    .filter((r) => !r.handles.tools || r.handles.tools.some((t) => has.tool(t)))
    .map((r) => ({ recipeId: r.id, command: toArgv(r.check!.run) }));
}
