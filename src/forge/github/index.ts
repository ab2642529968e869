// GitHub's public surface: its adapter (what the registry lists) and its API clients.
export { githubAdapter } from "./adapter.js";
export { GITHUB_EVENTS, readGithubEvent } from "./read-event.js";
export { readGithubComment } from "./read-comment.js";
export { GithubForge } from "./github-forge.js";
export { ANNOTATIONS_PER_REQUEST } from "./github-check-runs.js";
export { CONFIG_PATH as GITHUB_CONFIG_PATH } from "./github-config.js";
export {
  InstallationTokens,
  NotInstalledError,
  DIAGNOSE_PERMISSIONS,
  FIX_PERMISSIONS,
  COMMAND_PERMISSIONS,
  TEAM_PERMISSIONS,
  RERUN_PERMISSIONS,
  ISSUE_PERMISSIONS,
} from "./installation-tokens.js";
export { GithubFixForge } from "./github-fix-forge.js";
export { createGithubClients, githubApiBaseUrl } from "./github-forges.js";
export { createGithubWebhookApp, type GithubWebhookIo } from "./webhook.js";
