import type { ParsedEnv } from "../config/index.js";
import type { IngestDeps } from "../ingest/index.js";
import type { Middleware } from "../server/index.js";
import { gitlabSecretsFromEnv } from "../forge/index.js";
import { createGitlabWebhook } from "./gitlab-webhook.js";

type GitlabHookEnv = Pick<
  ParsedEnv,
  "GITLAB_WEBHOOK_SECRET" | "GITLAB_WEBHOOK_SECRETS" | "GITLAB_WEBHOOK_SECRETS_FILE"
>;

/** GitLab's webhook endpoint when a secret is configured; otherwise off, said once. */
export function gitlabHookFromConfig(config: GitlabHookEnv, deps: IngestDeps): Middleware | undefined {
  const secrets = gitlabSecretsFromEnv({
    GITLAB_WEBHOOK_SECRET: config.GITLAB_WEBHOOK_SECRET,
    GITLAB_WEBHOOK_SECRETS: config.GITLAB_WEBHOOK_SECRETS,
    GITLAB_WEBHOOK_SECRETS_FILE: config.GITLAB_WEBHOOK_SECRETS_FILE,
  });
  if (secrets.length === 0) {
    deps.logger.info(
      "GitLab not configured (GITLAB_WEBHOOK_SECRET and GITLAB_WEBHOOK_SECRETS unset): GitLab hooks are off",
    );
    return undefined;
  }
  if (secrets.some((s) => s.scope === null)) {
    deps.logger.warn(
      "GITLAB_WEBHOOK_SECRET is one secret for every project: whoever can read one project's hook settings can send " +
        "hooks naming any other; prefer a secret per project or group (GITLAB_WEBHOOK_SECRETS)",
    );
  }
  return createGitlabWebhook({ ...deps, secrets }) as Middleware;
}
