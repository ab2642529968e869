// GitLab's public surface: its adapter (what the registry lists), its API clients, its webhook
// route and the secrets that authenticate it.
export { gitlabAdapter } from "./adapter.js";
export { GITLAB_EVENTS, readGitlabEvent } from "./read-event.js";
export { readGitlabNote, confirmedComment } from "./read-comment.js";
export { GitlabForge, GITLAB_CONFIG_PATH, type GitlabConnection } from "./gitlab-forge.js";
export { GitlabFixForge } from "./gitlab-fix-forge.js";
export { createGitlabWebhookRoute, MAX_GITLAB_BODY, type GitlabWebhookIo } from "./webhook.js";
export { gitlabSecretsFromEnv, GitlabSecretsError, type GitlabSecret } from "./secrets.js";
