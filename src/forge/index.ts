export {
  STICKY_MARKER,
  MAX_CONFIG_BYTES,
  type ForgeClient,
  type CommitReport,
  type Annotation,
  type FailedJob,
  type Permission,
  type ForgeUser,
  type Reaction,
  type IssueRequest,
  type PullRequestInfo,
} from "./forge-client.js";
export { PERMISSIONS, permissionAtLeast, gitlabAccessToPermission, githubPermissionOf } from "./permission.js";
export { ForgeApiError } from "./forge-api-error.js";
export { GithubForge } from "./github/github-forge.js";
export { ANNOTATIONS_PER_REQUEST } from "./github/github-check-runs.js";
export { CONFIG_PATH as GITHUB_CONFIG_PATH } from "./github/github-config.js";
export {
  InstallationTokens,
  NotInstalledError,
  DIAGNOSE_PERMISSIONS,
  FIX_PERMISSIONS,
  COMMAND_PERMISSIONS,
  TEAM_PERMISSIONS,
  RERUN_PERMISSIONS,
  ISSUE_PERMISSIONS,
} from "./github/installation-tokens.js";
export { GithubFixForge } from "./github/github-fix-forge.js";
export { createGithubClients, githubApiBaseUrl } from "./github/github-forges.js";
export { GitlabForge, GITLAB_CONFIG_PATH, type GitlabConnection } from "./gitlab/gitlab-forge.js";
export { GitlabFixForge } from "./gitlab/gitlab-fix-forge.js";
export { recordedClient } from "./recorded-client.js";
