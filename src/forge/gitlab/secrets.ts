import { readFileSync } from "node:fs";
import { SentinelError } from "../../core/index.js";

/**
 * A GitLab webhook secret and the projects it speaks for. GitLab hooks carry no per-delivery
 * signature, only the secret the hook was configured with, so a secret shared by every project
 * lets any project's maintainer (who can read their hook's settings) send hooks naming any other
 * project. A secret per project, or per group, limits what its holder can claim to their own.
 */
export interface GitlabSecret {
  /** A project path (`group/project`), a group path (`group`, covering `group/…`), a numeric project id, or null for any project. */
  readonly scope: string | null;
  readonly secret: string;
}

export class GitlabSecretsError extends SentinelError {
  constructor(message: string) {
    super("E_GITLAB_SECRETS", message);
    this.name = "GitlabSecretsError";
  }
}

const SCOPE = /^(?:\d+|[A-Za-z0-9_.][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_.][A-Za-z0-9_.-]*)*)$/;
/** Shorter secrets are guessable; GitLab's own hook form suggests long random ones. */
const MIN_SECRET_LENGTH = 16;

/**
 * The GitLab webhook secrets this deployment accepts: `GITLAB_WEBHOOK_SECRET` (any project, the
 * older shared setup) and the scoped ones of `GITLAB_WEBHOOK_SECRETS` (a JSON object, scope →
 * secret) or of the JSON file `GITLAB_WEBHOOK_SECRETS_FILE` (for a mounted Kubernetes secret).
 */
export function gitlabSecretsFromEnv(env: NodeJS.ProcessEnv): GitlabSecret[] {
  const secrets: GitlabSecret[] = [];
  if (env.GITLAB_WEBHOOK_SECRET) secrets.push({ scope: null, secret: env.GITLAB_WEBHOOK_SECRET });
  if (env.GITLAB_WEBHOOK_SECRETS && env.GITLAB_WEBHOOK_SECRETS_FILE)
    throw new GitlabSecretsError("set GITLAB_WEBHOOK_SECRETS or GITLAB_WEBHOOK_SECRETS_FILE, not both");
  const source = env.GITLAB_WEBHOOK_SECRETS
    ? { name: "GITLAB_WEBHOOK_SECRETS", text: env.GITLAB_WEBHOOK_SECRETS }
    : env.GITLAB_WEBHOOK_SECRETS_FILE
      ? { name: "GITLAB_WEBHOOK_SECRETS_FILE", text: readSecretsFile(env.GITLAB_WEBHOOK_SECRETS_FILE) }
      : null;
  if (source) secrets.push(...parseScopedSecrets(source.name, source.text));
  const seen = new Set<string>();
  for (const s of secrets) {
    // One secret for two scopes would make the first scope's hooks indistinguishable from the second's.
    if (seen.has(s.secret))
      throw new GitlabSecretsError(
        `a GitLab webhook secret is given for two scopes (${s.scope ?? "any project"} and another); give each scope its own`,
      );
    seen.add(s.secret);
  }
  return secrets;
}

function readSecretsFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new GitlabSecretsError(
      `GITLAB_WEBHOOK_SECRETS_FILE: cannot read ${file} (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

function parseScopedSecrets(variable: string, text: string): GitlabSecret[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GitlabSecretsError(
      `${variable} must be a JSON object of project or group path (or project id) to secret, e.g. {"group/project": "…"}`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new GitlabSecretsError(
      `${variable} must be a JSON object of project or group path (or project id) to secret`,
    );
  return Object.entries(value as Record<string, unknown>).map(([scope, secret]) => {
    const clean = scope.replace(/^\/+|\/+$/g, "");
    if (!SCOPE.test(clean) || clean.split("/").some((part) => part === "." || part === ".."))
      throw new GitlabSecretsError(
        `${variable}: ${JSON.stringify(scope)} is not a GitLab project or group path, or a project id`,
      );
    if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH)
      throw new GitlabSecretsError(
        `${variable}: the secret for ${clean} must be a string of at least ${MIN_SECRET_LENGTH} characters`,
      );
    return { scope: clean, secret };
  });
}

/** Whether a hook claiming project `claim` falls within a secret's scope. */
export function inScope(scope: string | null, claim: { path: string | null; id: string | null }): boolean {
  if (scope === null) return true;
  if (/^\d+$/.test(scope)) return claim.id === scope;
  return claim.path !== null && (claim.path === scope || claim.path.startsWith(`${scope}/`));
}
