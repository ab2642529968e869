import type { Logger } from "pino";
import type { Probot } from "probot";
import type { ParsedEnv } from "../config/index.js";
import { SentinelError, type ForgeId } from "../core/index.js";
import {
  createGithubClients,
  githubApiBaseUrl,
  GitlabFixForge,
  GitlabForge,
  recordedClient,
  type FixForge,
  type ForgeClient,
} from "../forge/index.js";
import type { Forges } from "../ingest/index.js";
import type { Database } from "../store/index.js";

type ForgeEnv = Pick<ParsedEnv, "APP_ID" | "GHE_HOST" | "GHE_PROTOCOL" | "GITLAB_URL" | "GITLAB_TOKEN">;
type Target = Parameters<Forges["client"]>[0];
type Purpose = Parameters<Forges["client"]>[1];

/** One configured forge's credentials: clients for its repositories, and who Sentinel is there. */
interface ForgeConnection {
  client(target: Target, purpose: Purpose): Promise<ForgeClient>;
  fixer(target: Target): Promise<FixForge>;
  /** Where hooks are unsigned: whether the API says `repoId` is `repo` (null) or why not. */
  confirmProject?(target: Target): Promise<string | null>;
  /** The account Sentinel writes as, where that is an ordinary user. */
  selfUsername?(): Promise<string | null>;
}

/** The variables that give Sentinel each forge's credentials, for the error when they are missing. */
const CREDENTIALS: Partial<Record<ForgeId, string>> = {
  github: "APP_ID, PRIVATE_KEY and WEBHOOK_SECRET",
  gitlab: "GITLAB_TOKEN",
};

/** Projects the API confirmed stay confirmed this long: renames are rare. */
const CONFIRMED_FOR_MS = 10 * 60_000;

/**
 * The forges' API clients, one connection per configured forge (GitHub through the App's
 * installations, GitLab through GITLAB_TOKEN); a forge without credentials has none, and asking
 * for it says which variables to set.
 */
export function createForges(
  config: ForgeEnv,
  probot: Probot | null,
  logger: Logger,
  ledger: Database,
  fetchImpl?: typeof fetch,
  paceGithubWrites = true,
): Forges {
  const connections = new Map<ForgeId, ForgeConnection>();
  if (probot) connections.set("github", githubConnection(config, probot, ledger, fetchImpl, paceGithubWrites));
  if (config.GITLAB_TOKEN) connections.set("gitlab", gitlabConnection(config, config.GITLAB_TOKEN, ledger, fetchImpl));
  const connection = (forge: ForgeId): ForgeConnection => {
    const found = connections.get(forge);
    if (found) return found;
    const needs = CREDENTIALS[forge];
    logger.error({ forge }, "a delivery needs a forge Sentinel has no credentials for");
    throw new SentinelError(
      "E_FORGE_NOT_CONFIGURED",
      `Sentinel has no credentials for ${forge}${needs ? `: set ${needs}` : ""}`,
    );
  };
  return {
    client: (target, purpose) => connection(target.forge).client(target, purpose),
    fixer: (target) => connection(target.forge).fixer(target),
    async confirmProject(target) {
      const confirm = connections.get(target.forge)?.confirmProject;
      return confirm ? confirm(target) : null;
    },
    async selfUsername(forge) {
      return (await connections.get(forge)?.selfUsername?.()) ?? null;
    },
  };
}

function githubConnection(
  config: ForgeEnv,
  probot: Probot,
  ledger: Database,
  fetchImpl?: typeof fetch,
  paceWrites = true,
): ForgeConnection {
  const apiBase = githubApiBaseUrl({ GHE_HOST: config.GHE_HOST, GHE_PROTOCOL: config.GHE_PROTOCOL });
  const github = createGithubClients(probot, apiBase, fetchImpl, config.APP_ID ?? null, paceWrites);
  return {
    // Every client's writes to its forge go to the ledger too (recordedClient).
    client: async (target, purpose) =>
      recordedClient(await github.client(target.repo, target.installationId, purpose), ledger),
    fixer: async (target) => github.fixer(target.repo, target.installationId, target.repoId),
  };
}

function gitlabConnection(
  config: ForgeEnv,
  token: string,
  ledger: Database,
  fetchImpl?: typeof fetch,
): ForgeConnection {
  const options = { baseUrl: config.GITLAB_URL, token, ...(fetchImpl ? { fetchImpl } : {}) };
  // The token's user does not change while the process runs; a failed look-up is not cached, so
  // the delivery's retry asks again rather than acting on a note that may be Sentinel's own.
  let self: Promise<string | null> | null = null;
  // Projects the API confirmed (id and path agree), for a while: a hook for a project confirmed
  // minutes ago need not cost another request. Refusals are not remembered.
  const confirmed = new Map<string, number>();
  const client = async (target: Target) =>
    recordedClient(await GitlabForge.connect(options, target.repoId, target.repo), ledger);
  return {
    client,
    fixer: async (target) => GitlabFixForge.connect(config.GITLAB_URL, token, target.repoId, target.repo),
    async confirmProject(target) {
      const key = `${target.repoId}\n${target.repo}`;
      if ((confirmed.get(key) ?? 0) > Date.now()) return null;
      const why = (await (await client(target)).confirmProject?.()) ?? null;
      if (why === null) {
        if (confirmed.size > 10_000) confirmed.clear();
        confirmed.set(key, Date.now() + CONFIRMED_FOR_MS);
      }
      return why;
    },
    selfUsername() {
      // Rethrown to the caller; only the cache is cleared so the next delivery asks again.
      self ??= GitlabForge.currentUsername(options).catch((error: unknown) => {
        self = null;
        throw error;
      });
      return self;
    },
  };
}
