// The llm-patch agent: a model-driven fixer over one worktree, with confined tools, fenced and
// redacted data, retries, a budget and a fingerprint cache; the pipeline runs it after the recipes
// (docs/agents.md).
export { llmPatchAgent, LLM_AGENT_ID } from "./llm-agent.js";
export { llmWorker, type LlmWorkerOptions, type LlmRepositoryConfig } from "./llm-worker.js";
export type {
  ModelWorker,
  ModelJob,
  ModelWork,
  ModelMemory,
  RunsToday,
  StoredModelPatch,
  VerifiedModelPatch,
} from "./model-worker.js";
export { taskFor, checkSummary, locatedFindings } from "./diagnosis-text.js";
export { DEFAULT_LLM_MAX_TURNS, DEFAULT_LLM_MAX_RUNS_PER_DAY_PER_INSTALLATION } from "./defaults.js";
export { runLlmPatch, DEFAULT_LLM_LIMITS, type LlmLimits, type RunLlmPatchOptions } from "./run-llm-patch.js";
export type { LlmOutcome, LlmRunResult, LlmAccounting, HandoffReason } from "./outcome.js";
export {
  worktreeTools,
  reversePatch,
  READ_CAP_BYTES,
  SEARCH_CAP_LINES,
  PATCH_CAP_BYTES,
  type WorktreeTools,
  type WorktreeToolsOptions,
  type PatchedChange,
  type ToolOutput,
} from "./tools.js";
export type { CheckResult, RunCheck } from "./check-result.js";
export { DEFAULT_WRITE_POLICY, PROTECTED_PATHS, writeRefusal, type WritePolicy } from "./protected-paths.js";
export { confine, type Confined } from "./worktree-paths.js";
export { callModel, DEFAULT_RETRY, type RetryPolicy, type CallFailure, type CallResult } from "./call-model.js";
export { buildMessages, SENTINEL_RULES, type LlmTask } from "./prompt.js";
export { createFence, type Fence } from "./fence.js";
export { redactSecrets, type Redaction } from "./redact.js";
export { llmSettingsFromEnv, createLlmClient, type LlmSettings, type LlmEnv } from "./settings.js";
