export {
  repoConfigSchema,
  parseRepoConfig,
  validateRepoConfig,
  effectiveMode,
  DEFAULT_REPO_CONFIG,
  DEFAULT_MAX_LOG_BYTES,
  DEFAULT_LLM_MAX_TOKENS_PER_RUN,
  DEFAULT_LLM_MAX_RUNS_PER_DAY,
  type RepoConfig,
} from "./repo-config.js";
export { readRepoConfigText } from "./read-repo-config-text.js";
export { loadRepoConfig, type ConfigReader, type LoadedRepoConfig } from "./load-repo-config.js";
export { parseEnv, parseLlmEnv, type ParsedEnv, type LlmEnvConfig } from "./env/index.js";
