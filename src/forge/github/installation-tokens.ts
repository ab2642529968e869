import type { ProbotOctokit, Probot } from "probot";

/** An Octokit authenticated as one installation, scoped to some of its repositories. */
export type InstallationOctokit = InstanceType<typeof ProbotOctokit>;
import { SentinelError } from "../../core/index.js";
import { forgeApiError, statusOf } from "../forge-api-error.js";

/** The repository is not (or no longer) part of the App's installation: Sentinel may not act on it. */
export class NotInstalledError extends SentinelError {
  constructor(message: string) {
    super("E_NOT_INSTALLED", message);
    this.name = "NotInstalledError";
  }
}

/** The permissions the ingestion worker needs; nothing that writes code. */
export const DIAGNOSE_PERMISSIONS = {
  actions: "read",
  checks: "write",
  contents: "read",
  issues: "write",
  pull_requests: "write",
  metadata: "read",
} as const;
/** What pushing a fix branch and opening its pull request needs. */
export const FIX_PERMISSIONS = { contents: "write", pull_requests: "write", metadata: "read" } as const;
/**
 * What answering a /sentinel command needs: the commenter's permission (metadata), reacting to
 * and replying on the pull request (PR comments are issue comments), the pull request's state.
 */
export const COMMAND_PERMISSIONS = { metadata: "read", issues: "write", pull_requests: "read" } as const;
/**
 * Team membership, for policies that name approver teams. An organization permission: kept apart
 * so installations on personal accounts, which cannot grant it, can still run commands.
 */
export const TEAM_PERMISSIONS = { members: "read", metadata: "read" } as const;
/** Acting on a command or a flaky job: what diagnosing needs, plus re-running Actions jobs. */
export const ACT_PERMISSIONS = { ...DIAGNOSE_PERMISSIONS, actions: "write" } as const;
/** Re-running a failed (flaky) GitHub Actions job. */
export const RERUN_PERMISSIONS = { actions: "write", metadata: "read" } as const;
/** Reading an `_extends` target: the organization's defaults live in another repository of the same owner. */
export const CONFIG_READ_PERMISSIONS = { contents: "read", metadata: "read" } as const;
/** Opening and updating an issue (flaky-test tracking). */
export const ISSUE_PERMISSIONS = { issues: "write", metadata: "read" } as const;

interface Cached {
  readonly octokit: InstallationOctokit;
  readonly token: string;
  readonly expiresAt: number;
}

/**
 * Installation tokens scoped to one repository and to the permissions a step needs, created
 * through the REST endpoint: Probot 14's `octokit.auth({ repositoryNames })` ignores GHE_HOST,
 * this does not (the app-authenticated client already carries the right base URL).
 */
export class InstallationTokens {
  private readonly cache = new Map<string, Cached>();

  /**
   * `paceWrites: false` drops Octokit's client-side pacing (one comment or issue per 3 s per
   * token, GitHub's advice against secondary rate limits): only for a fake API in tests.
   */
  constructor(
    private readonly probot: Probot,
    private readonly baseUrl: string,
    private readonly paceWrites = true,
  ) {}

  async forRepo(
    installationId: string,
    repo: string,
    permissions: Readonly<Record<string, string>> = DIAGNOSE_PERMISSIONS,
  ): Promise<InstallationOctokit> {
    return (await this.tokenForRepo(installationId, repo, permissions)).octokit;
  }

  /** The token itself, for git (which gets it as a header, never in a URL or on disk). */
  async tokenForRepo(
    installationId: string,
    repo: string,
    permissions: Readonly<Record<string, string>>,
    alsoRepos: readonly string[] = [],
  ): Promise<{ octokit: InstallationOctokit; token: string }> {
    const names = [repo.split("/")[1] as string, ...alsoRepos];
    const key = `${installationId}|${names.map((n) => n.toLowerCase()).join(",")}|${JSON.stringify(permissions)}`;
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > Date.now()) return hit;
    const app = await this.probot.auth();
    let data: { token: string; expires_at: string };
    try {
      ({ data } = await app.request("POST /app/installations/{installation_id}/access_tokens", {
        installation_id: Number(installationId),
        repositories: names,
        permissions: permissions as Record<string, "read" | "write">,
      }));
    } catch (error) {
      // 404: the installation is gone; 422: a repository it does not cover (uninstalled, or
      // deselected in the App's settings). Neither gets better by retrying.
      const status = statusOf(error);
      if (status === 404 || status === 422)
        throw new NotInstalledError(
          `${names.join(", ")} ${names.length > 1 ? "are" : "is"} not covered by installation ${installationId} (GitHub answered ${status})`,
        );
      throw forgeApiError("github", "creating an installation token", error);
    }
    // Probot loads here, where a token is made: the forge's modules are also loaded by `sentinel
    // fix`, which never talks to GitHub, and Probot is a third of its start-up.
    const { ProbotOctokit } = await import("probot");
    const octokit = new ProbotOctokit({
      auth: { token: data.token },
      baseUrl: this.baseUrl,
      ...(this.paceWrites ? {} : { throttle: { enabled: false } }),
    });
    // Refresh five minutes before GitHub expires the token.
    const entry = { octokit, token: data.token, expiresAt: Date.parse(data.expires_at) - 5 * 60_000 };
    this.cache.set(key, entry);
    return entry;
  }
}
