import type { Probot } from "probot";
import { GithubFixForge } from "./github-fix-forge.js";
import { GithubForge } from "./github-forge.js";
import {
  ACT_PERMISSIONS,
  CONFIG_READ_PERMISSIONS,
  DIAGNOSE_PERMISSIONS,
  FIX_PERMISSIONS,
  InstallationTokens,
  RERUN_PERMISSIONS,
  TEAM_PERMISSIONS,
} from "./installation-tokens.js";
import { SentinelError } from "../../core/index.js";

/** What a client is for, and so what its token may do. */
export type ClientPurpose = "diagnose" | "act" | "rerun";
const PERMISSIONS_FOR = { diagnose: DIAGNOSE_PERMISSIONS, act: ACT_PERMISSIONS, rerun: RERUN_PERMISSIONS } as const;

/** Clients for repositories of GitHub App installations, each with its own scoped token. */
export function createGithubClients(
  probot: Probot,
  baseUrl: string,
  fetchImpl?: typeof fetch,
  appId: number | null = null,
  paceWrites = true,
) {
  const tokens = new InstallationTokens(probot, baseUrl, paceWrites);
  return {
    async client(
      repo: string,
      installationId: string | null,
      purpose: ClientPurpose = "diagnose",
    ): Promise<GithubForge> {
      if (!installationId) throw noInstallation(repo);
      const octokit = await tokens.forRepo(installationId, repo, PERMISSIONS_FOR[purpose]);
      const teams = async () => (await tokens.forRepo(installationId, repo, TEAM_PERMISSIONS)) as never;
      const wider = async (other: string) =>
        (await tokens.tokenForRepo(installationId, repo, CONFIG_READ_PERMISSIONS, [other])).octokit as never;
      return new GithubForge(octokit as never, repo, fetchImpl, appId, purpose === "act" ? teams : null, wider);
    },
    async fixer(repo: string, installationId: string | null, repoId: string): Promise<GithubFixForge> {
      if (!installationId) throw noInstallation(repo);
      const { octokit, token } = await tokens.tokenForRepo(installationId, repo, FIX_PERMISSIONS);
      return GithubFixForge.connect(octokit as never, repo, repoId, githubWebOrigin(baseUrl), token);
    },
  };
}

/** The API base URL Probot uses: GitHub Enterprise Server when GHE_HOST is set. */
export function githubApiBaseUrl(env: NodeJS.ProcessEnv): string {
  return env.GHE_HOST ? `${env.GHE_PROTOCOL || "https"}://${env.GHE_HOST}/api/v3` : "https://api.github.com";
}

/**
 * Where GitHub serves git for an API base: github.com for api.github.com, the Enterprise Server's
 * own host for `<host>/api/v3`. Fix remotes are built on it, so the token goes nowhere else.
 */
export function githubWebOrigin(apiBaseUrl: string): string {
  const u = new URL(apiBaseUrl);
  if (u.hostname === "api.github.com") return "https://github.com";
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "").replace(/\/api\/v3$/, "")}`;
}

/**
 * Retried, not ignored: the installation event that names the repository may still be on its way;
 * after the last attempt the failure is marked `error` with this message.
 */
function noInstallation(repo: string): SentinelError {
  return new SentinelError(
    "E_INSTALLATION_UNKNOWN",
    `no GitHub App installation is known for ${repo}: install the App on it, or redeliver its installation event`,
  );
}
