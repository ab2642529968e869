// Moved to forge/gitlab/; kept so main.ts's import holds until it is rewired to forge/index.js.
export { gitlabSecretsFromEnv, GitlabSecretsError, type GitlabSecret } from "../forge/index.js";
