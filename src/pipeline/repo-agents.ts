import type { Logger } from "pino";
import { agentsFrom, loadBuiltinRecipes, parseRecipe, type Agent, type Recipe } from "../agents/index.js";

/** Reads one of the repository's files (its default branch for the service, the fixed commit for the CLI). */
export type RepoFileReader = (file: string) => Promise<string | null>;

/** Builtin recipes minus the disabled, plus the repository's own (`fix.recipes`); one with a builtin's id replaces it. */
export async function repoAgents(
  readFile: RepoFileReader,
  files: readonly string[],
  disabled: readonly string[],
  logger: Logger,
  where: string,
): Promise<Agent[]> {
  const own: Recipe[] = [];
  for (const file of files) {
    const text = await readFile(file);
    if (text === null) {
      logger.warn({ repo: where, file }, "recipe listed in the config is missing");
      continue;
    }
    const { recipe, issues } = parseRecipe(text, file);
    if (recipe) own.push(recipe);
    else logger.warn({ repo: where, file, issues }, "invalid recipe ignored");
  }
  return agentsFrom((await loadBuiltinRecipes()).recipes, own, disabled);
}
