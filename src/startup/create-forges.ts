import type { Logger } from "pino";
import type { Probot } from "probot";
import type { ParsedEnv } from "../config/index.js";
import { createGithubClients, githubApiBaseUrl, GitlabFixForge, GitlabForge, recordedClient } from "../forge/index.js";
import type { Forges } from "../ingest/index.js";
import type { Database } from "../store/index.js";

type ForgeEnv = Pick<ParsedEnv, "APP_ID" | "GHE_HOST" | "GHE_PROTOCOL" | "GITLAB_URL" | "GITLAB_TOKEN">;

/** Projects the API confirmed stay confirmed this long: renames are rare. */
const CONFIRMED_FOR_MS = 10 * 60_000;

/** The forges' API clients: GitHub through the App's installations, GitLab through GITLAB_TOKEN. */
export function createForges(
  config: ForgeEnv,
  probot: Probot | null,
  logger: Logger,
  ledger: Database,
  fetchImpl?: typeof fetch,
): Forges {
  const apiBase = githubApiBaseUrl({ GHE_HOST: config.GHE_HOST, GHE_PROTOCOL: config.GHE_PROTOCOL });
  const github = probot ? createGithubClients(probot, apiBase, fetchImpl, config.APP_ID ?? null) : null;
  const gitlabUrl = config.GITLAB_URL;
  const token = config.GITLAB_TOKEN;
  // The token's user does not change while the process runs; a failed look-up is not cached, so
  // the delivery's retry asks again rather than acting on a note that may be Sentinel's own.
  let gitlabSelf: Promise<string | null> | null = null;
  // Projects the API confirmed (id and path agree), for a while: a hook for a project confirmed
  // minutes ago need not cost another request. Refusals are not remembered.
  const confirmed = new Map<string, number>();
  return {
    // Every client's writes to its forge go to the ledger too (recordedClient).
    async client(target, purpose) {
      if (target.forge === "github") {
        if (!github) throw new Error("a GitHub failure arrived but the GitHub App is not configured");
        return recordedClient(await github.client(target.repo, target.installationId, purpose), ledger);
      }
      if (!token) {
        logger.error("GITLAB_TOKEN is not set: Sentinel cannot read GitLab job traces");
        throw new Error("GITLAB_TOKEN is not set");
      }
      const options = { baseUrl: gitlabUrl, token, ...(fetchImpl ? { fetchImpl } : {}) };
      return recordedClient(GitlabForge.connect(options, target.repoId, target.repo), ledger);
    },
    async fixer(target) {
      if (target.forge === "github" && github) return github.fixer(target.repo, target.installationId, target.repoId);
      if (target.forge === "gitlab" && token)
        return GitlabFixForge.connect(gitlabUrl, token, target.repoId, target.repo);
      throw new Error(`no credentials to push fixes to ${target.forge}`);
    },
    async confirmProject(target) {
      if (target.forge !== "gitlab") return null;
      const key = `${target.repoId}\n${target.repo}`;
      if ((confirmed.get(key) ?? 0) > Date.now()) return null;
      const why = (await (await this.client(target)).confirmProject?.()) ?? null;
      if (why === null) {
        if (confirmed.size > 10_000) confirmed.clear();
        confirmed.set(key, Date.now() + CONFIRMED_FOR_MS);
      }
      return why;
    },
    async selfUsername(forge) {
      if (forge !== "gitlab" || !token) return null;
      const options = { baseUrl: gitlabUrl, token, ...(fetchImpl ? { fetchImpl } : {}) };
      // Rethrown to the caller; only the cache is cleared so the next delivery asks again.
      gitlabSelf ??= GitlabForge.currentUsername(options).catch((error: unknown) => {
        gitlabSelf = null;
        throw error;
      });
      return gitlabSelf;
    },
  };
}
