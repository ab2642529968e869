export { toArgv, type Agent, type AgentContext, type PlannedStep, type OnError } from "./agent.js";
export {
  recipeSchema,
  stepSchema,
  deriveSchema,
  type Recipe,
  type RecipeStep,
  type DeriveRule,
} from "./recipe-schema.js";
export { recipeAgent, ownRules } from "./recipe-agent.js";
export { deriveFix, type DerivedFix, type DerivedCommand, type OwnedRule } from "./derive-fix.js";
export { shellWords, type ShellWords, type SimpleCommand } from "./shell-words.js";
export { MAX_PACKAGE_JSON_BYTES } from "./package-scripts.js";
export { discoverChecks, type DiscoveredCheck } from "./discover-checks.js";
export {
  loadBuiltinRecipes,
  loadRecipe,
  parseRecipe,
  agentsFrom,
  selectAgent,
  BUILTIN_RECIPES_DIR,
  type LoadedRecipes,
} from "./load-recipes.js";
