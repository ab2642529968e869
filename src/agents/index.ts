export { toArgv, type Agent, type AgentContext, type PlannedStep, type OnError } from "./agent.js";
export { recipeSchema, stepSchema, type Recipe, type RecipeStep } from "./recipe-schema.js";
export { recipeAgent } from "./recipe-agent.js";
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
