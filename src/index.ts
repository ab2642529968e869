/**
 * Sentinel as a library: the rule engine, the Agent SDK, the governed fix pipeline and the audit
 * ledger. The app itself starts from `main.ts` (`npm start`, the `sentinel` CLI).
 */
export {
  classifyStream,
  classifyText,
  createClassifier,
  loadBuiltinRules,
  loadRuleFiles,
  mergeRuleSets,
  parseRuleText,
  type Classifier,
  type ClassifierEvent,
  type ClassifierOptions,
  type Diagnosis,
  type Finding,
  type RuleSet,
} from "./sentinel/index.js";
export {
  agentsFrom,
  loadBuiltinRecipes,
  parseRecipe,
  recipeAgent,
  selectAgent,
  type Agent,
  type AgentContext,
  type OnError,
  type PlannedStep,
  type Recipe,
} from "./agents/index.js";
export {
  localFixDeps,
  runFix,
  type FixDeps,
  type FixOutcome,
  type FixRequest,
  type FixStatus,
  type LocalFixOptions,
} from "./pipeline/index.js";
export { LocalForge, type FixForge } from "./forge/index.js";
export {
  readLedger,
  replayRun,
  verifyChain,
  type LedgerEntry,
  type ReplayStep,
  type VerifyResult,
} from "./ledger/index.js";
export { openDatabase, RunStore, type Database } from "./store/index.js";
export { startFromEnv, type Running } from "./main.js";
