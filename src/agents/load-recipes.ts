import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { PACKAGE_ROOT } from "../core/index.js";
import {
  capProblems,
  formatFileProblem,
  loadRepositoryYaml,
  moreProblems,
  type FileProblem,
} from "../sentinel/index.js";
import type { z } from "zod";
import type { Agent } from "./agent.js";
import { ownRules, recipeAgent } from "./recipe-agent.js";
import { readRecipeBundle, type RecipeBundle } from "./recipe-bundle.js";
import { recipeSchema, type Recipe } from "./recipe-schema.js";

export const BUILTIN_RECIPES_DIR = path.join(PACKAGE_ROOT, "agents");

export interface LoadedRecipes {
  readonly recipes: Recipe[];
  readonly issues: string[];
}

/**
 * One recipe file, read like every repository file (recipes come from a repository's default
 * branch, and from pull-request heads to validate them): at most 64 KiB (MAX_REPOSITORY_FILE_BYTES
 * .recipe; real recipes are under 2 KB), YAML checked in linear time. Never throws: the recipe,
 * or its problems with their lines.
 */
export function loadRecipe(
  text: string,
  file: string,
): { readonly recipe: Recipe } | { readonly errors: readonly FileProblem[] } {
  const loaded = loadRepositoryYaml(text, { file, kind: "recipe" });
  if ("errors" in loaded) return loaded;
  const parsed = recipeSchema.safeParse(loaded.value);
  if (parsed.success) return { recipe: parsed.data };
  const issues = capProblems<z.core.$ZodIssue | FileProblem>(parsed.error.issues, (left) => moreProblems(file, left));
  return {
    errors: issues.map((i) =>
      "file" in i
        ? i
        : {
            file,
            ...loaded.locate(i.path),
            code: "E_RECIPE_SCHEMA",
            message: `${i.path.join(".") || "(root)"}: ${i.message}`,
          },
    ),
  };
}

/** Parses one recipe file; problems are returned as `file:line: CODE: message`, never thrown. */
export function parseRecipe(text: string, file: string): { recipe: Recipe | null; issues: string[] } {
  const loaded = loadRecipe(text, file);
  return "errors" in loaded
    ? { recipe: null, issues: loaded.errors.map(formatFileProblem) }
    : { recipe: loaded.recipe, issues: [] };
}

let builtinCache: Promise<LoadedRecipes> | undefined;

/**
 * The builtin recipes, read once per process (every fix job and config check asks for them), from
 * the build's bundle where it holds a file as it is (recipe-bundle.ts).
 */
export function loadBuiltinRecipes(): Promise<LoadedRecipes> {
  builtinCache ??= readRecipeBundle().then((bundle) => loadRecipeDir(BUILTIN_RECIPES_DIR, bundle));
  return builtinCache;
}

export async function loadRecipeDir(dir: string, bundle?: RecipeBundle): Promise<LoadedRecipes> {
  const names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  const recipes: Recipe[] = [];
  const issues: string[] = [];
  for (const n of names) {
    const file = path.join(dir, n);
    const stamped = bundle && (await stat(file).then((s) => bundle.entryForStat(n, s.size, s.mtimeMs)));
    if (stamped) {
      recipes.push(stamped.recipe);
      continue;
    }
    const text = await readFile(file, "utf8");
    const hashed = bundle?.entryFor(n, text);
    const r = hashed ? { recipe: hashed.recipe, issues: [] } : parseRecipe(text, n);
    issues.push(...r.issues);
    if (r.recipe) recipes.push(r.recipe);
  }
  return { recipes, issues };
}

/**
 * Builtins, minus the disabled ones, then the repository's own (a repository recipe with a
 * builtin's id replaces it). Each agent derives fixes with the derive rules of all of them.
 */
export function agentsFrom(
  builtin: readonly Recipe[],
  repo: readonly Recipe[],
  disabled: readonly string[] = [],
): Agent[] {
  const byId = new Map<string, Recipe>();
  for (const r of [...builtin, ...repo]) byId.set(r.id, r);
  const inUse = [...byId.values()].filter((r) => r.enabled && !disabled.includes(r.id));
  const rules = inUse.flatMap(ownRules);
  return inUse.map((r) => recipeAgent(r, rules));
}

/**
 * The agent most likely to fix this failure, if any handles it. Model agents come last, whatever
 * their confidence: they are asked only when no deterministic agent handles the failure.
 */
export function selectAgent(
  agents: readonly Agent[],
  ctx: Parameters<Agent["handles"]>[0],
  minConfidence = 0,
): { agent: Agent; confidence: number } | null {
  const deterministic = agents.filter((a) => !a.model);
  return mostConfident(deterministic, ctx, minConfidence) ?? selectModelFallback(agents, ctx, minConfidence);
}

/**
 * The model agent that may try after the chosen recipe's fix failed VERIFY (a linter's `--fix`
 * that cannot fix the rule that failed): the same test as selectAgent's, among model agents only.
 */
export function selectModelFallback(
  agents: readonly Agent[],
  ctx: Parameters<Agent["handles"]>[0],
  minConfidence = 0,
): { agent: Agent; confidence: number } | null {
  return mostConfident(
    agents.filter((a) => a.model),
    ctx,
    minConfidence,
  );
}

function mostConfident(
  agents: readonly Agent[],
  ctx: Parameters<Agent["handles"]>[0],
  minConfidence: number,
): { agent: Agent; confidence: number } | null {
  let best: { agent: Agent; confidence: number } | null = null;
  for (const agent of agents) {
    const c = agent.handles(ctx);
    if (c !== null && c >= minConfidence && (!best || c > best.confidence)) best = { agent, confidence: c };
  }
  return best;
}
