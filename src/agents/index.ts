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
  selectModelFallback,
  BUILTIN_RECIPES_DIR,
  type LoadedRecipes,
} from "./load-recipes.js";
// The llm-patch agent (src/agents/llm): the model-driven agent, its worker, memory and settings.
export {
  llmPatchAgent,
  llmSettingsFromEnv,
  LLM_AGENT_ID,
  checkSummary,
  DEFAULT_LLM_MAX_TURNS,
  DEFAULT_LLM_MAX_RUNS_PER_DAY_PER_INSTALLATION,
  type CheckResult,
  type LlmRepositoryConfig,
  type LlmSettings,
  type LlmWorkerOptions,
  type ModelJob,
  type ModelMemory,
  type ModelWork,
  type ModelWorker,
} from "./llm/index.js";
