export { repoConfigSchema, parseRepoConfig, effectiveMode, DEFAULT_REPO_CONFIG, DEFAULT_MAX_LOG_BYTES, type RepoConfig } from "./repo-config.js";
export { loadRepoConfig, type LoadedRepoConfig } from "./load-repo-config.js";
