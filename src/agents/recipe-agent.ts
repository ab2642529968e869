import type { Agent, AgentContext, PlannedStep } from "./agent.js";
import { toArgv } from "./agent.js";
import { deriveFix, withoutShell, type DerivedFix, type OwnedRule } from "./derive-fix.js";
import { findingScope } from "./finding-scope.js";
import { FILES, FIX_COMMAND, type Recipe, type RecipeStep } from "./recipe-schema.js";

type Planned = { readonly steps: PlannedStep[]; readonly derived: boolean } | { readonly refused: string };

/**
 * A declarative recipe as an Agent. `rules` are the derive rules of every recipe in use: a
 * failing `eslint . && prettier --check .` is fixed by both tools' fixes, whichever recipe runs.
 */
export function recipeAgent(recipe: Recipe, rules: readonly OwnedRule[] = ownRules(recipe)): Agent {
  const planFor = (ctx: AgentContext) => planRecipe(recipe, rules, ctx);
  return {
    id: recipe.id,
    name: recipe.name,
    handles(ctx: AgentContext): number | null {
      if (!takes(recipe, ctx) || "refused" in planFor(ctx)) return null;
      return Math.round(recipe.confidence * ctx.diagnosis.confidence * 100) / 100;
    },
    declined(ctx: AgentContext): string | null {
      if (!takes(recipe, ctx)) return null;
      const p = planFor(ctx);
      return "refused" in p ? p.refused : null;
    },
    plan(ctx: AgentContext): PlannedStep[] {
      const p = planFor(ctx);
      if ("refused" in p) throw new Error(`${recipe.id} cannot plan this failure: ${p.refused}`);
      return p.steps;
    },
    verifyCommand(ctx: AgentContext): readonly string[] | null {
      // A fix derived from the failing command is checked by exactly that command.
      const p = planFor(ctx);
      if ("derived" in p && p.derived && ctx.failingCommand) return withoutShell(ctx.failingCommand);
      return recipe.verify ? toArgv(recipe.verify.run) : null;
    },
  };
}

/** Whether the recipe is for this kind of failure, in this kind of repository. */
function takes(recipe: Recipe, ctx: AgentContext): boolean {
  const d = ctx.diagnosis;
  if (d.status !== "failed" || d.category === "unknown" || d.category === "passed") return false;
  if (!recipe.handles.categories.includes(d.category)) return false;
  if (recipe.handles.tools && !(d.tool && recipe.handles.tools.includes(d.tool))) return false;
  if (recipe.handles.requiresFile && !ctx.fileExists(recipe.handles.requiresFile)) return false;
  return !recipe.handles.codes || findingScope(d, recipe.handles.codes, ctx.fileExists) !== null;
}

/** The recipe's own derive rules. */
export function ownRules(recipe: Recipe): OwnedRule[] {
  return (recipe.derive ?? []).map((rule) => ({ owner: recipe.id, rule }));
}

/**
 * The recipe's steps for this failure, or why it refuses it: a `{fixCommand}` step becomes the
 * fix derived from the failing command (one step per `&&` part), or else its fallback over the
 * diagnosis's files; a `{files}` argument needs files the diagnosis names.
 */
function planRecipe(recipe: Recipe, rules: readonly OwnedRule[], ctx: AgentContext): Planned {
  const steps = recipe.steps.filter(
    (s) =>
      (!s.when?.fileExists || ctx.fileExists(s.when.fileExists)) &&
      (!s.when?.fileMissing || !ctx.fileExists(s.when.fileMissing)),
  );
  // With no codes to keep to (a formatter), the scope is the findings' files alone.
  const scope = findingScope(ctx.diagnosis, recipe.handles.codes ?? null, ctx.fileExists);
  const files = scope?.files ?? null;
  let fix: DerivedFix | null = null;
  const derive = (): DerivedFix => (fix ??= ownFix(recipe, deriveFix(ctx.failingCommand, rules, ctx.readFile)));
  const out: PlannedStep[] = [];
  let derived = false;
  for (const s of steps) {
    let argv = toArgv(s.run);
    if (argv[0] === FIX_COMMAND) {
      const f = derive();
      if ("commands" in f) {
        derived = true;
        f.commands.forEach((c, i) => out.push(planned(s, i === 0 ? s.id : `${s.id}-${i + 1}`, [...c.argv])));
        continue;
      }
      if (!s.fallback) return { refused: `no fix command could be derived: ${f.refused}` };
      argv = toArgv(s.fallback);
      if (!files)
        return {
          refused: `no fix command could be derived (${f.refused}), and the diagnosis names no file of the repository to limit ${recipe.id} to`,
        };
    }
    if (argv.includes(FILES) && !files)
      return { refused: `the diagnosis names no file of the repository for ${recipe.id}'s \`{files}\`` };
    const codes = recipe.handles.codes && scope ? scope.codes.join(",") : null;
    out.push(
      planned(
        s,
        s.id,
        argv.flatMap((a) => (a === FILES ? [...files!] : [codes === null ? a : a.replaceAll("{codes}", codes)])),
      ),
    );
  }
  return { steps: out, derived };
}

/** A derivation that only other recipes' rules made is not this recipe's fix (black's recipe does not run eslint). */
function ownFix(recipe: Recipe, fix: DerivedFix): DerivedFix {
  if ("refused" in fix || fix.commands.some((c) => c.owner === recipe.id)) return fix;
  return { refused: `the failing command runs no check of ${recipe.id}'s tool` };
}

function planned(s: RecipeStep, id: string, command: string[]): PlannedStep {
  return { id, command, network: s.network, timeoutMs: s.timeout * 1000, onError: s.onError, retries: s.retries };
}
