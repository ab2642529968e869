import type { PullRequestRef } from "../../store/index.js";
import { forgeApiError, statusOf } from "../forge-api-error.js";
import {
  STICKY_MARKER,
  type CommitReport,
  type FailedJob,
  type ForgeClient,
  type ForgeUser,
  type IssueRequest,
  type Permission,
  type PullRequestInfo,
  type Reaction,
} from "../forge-client.js";
import { githubPermissionOf } from "../permission.js";
import { SentinelError } from "../../core/index.js";
import { checkRunOutputText, publishCheckRun } from "./github-check-runs.js";
import { CONFIG_PATH, readGithubConfig, type GithubConfigRead } from "./github-config.js";
import { failedGithubJobs, streamGithubJobLog } from "./github-jobs.js";
import type { GithubRepoApi, RestOctokit } from "./github-repo-api.js";
import { upsertGithubStickyComment } from "./github-sticky-comment.js";

/** GitHub, through an installation token scoped to this one repository. */
export class GithubForge implements ForgeClient {
  readonly forge = "github" as const;
  readonly signedHooks = true;
  readonly configPath = CONFIG_PATH;
  private readonly owner: string;
  private readonly name: string;

  constructor(
    private readonly octokit: RestOctokit,
    readonly repo: string,
    private readonly fetchImpl: typeof fetch = fetch,
    /** The App's id: only comments it made are its sticky comments. */
    private readonly appId: number | null = null,
    /**
     * A client whose token may read team membership (members: read). An organization permission,
     * asked for only when a policy names approver teams; without it team checks answer false.
     */
    private readonly teamOctokit: (() => Promise<RestOctokit>) | null = null,
    /**
     * A client that may also read `repo` of the same owner, for an `_extends` target (the org's
     * `.github` defaults) the repository-scoped token cannot read. Throws when the installation
     * does not cover that repository.
     */
    private readonly widerReader: ((repo: string) => Promise<RestOctokit>) | null = null,
  ) {
    const [owner, name] = repo.split("/");
    if (!owner || !name)
      throw new SentinelError(
        "E_REPO_NAME",
        `not an owner/name repository: ${repo}; name GitHub repositories as owner/name`,
      );
    this.owner = owner;
    this.name = name;
  }

  private get api(): GithubRepoApi {
    return { octokit: this.octokit, owner: this.owner, name: this.name };
  }

  async streamJobLog(jobId: string, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    return streamGithubJobLog(this.api, this.fetchImpl, jobId, signal);
  }

  async pullRequestHead(prNumber: number): Promise<string | null> {
    try {
      const { data } = await this.octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
        owner: this.owner,
        repo: this.name,
        pull_number: prNumber,
      });
      return (data as { head?: { sha?: string } }).head?.sha ?? null;
    } catch (error) {
      if ((error as { status?: number }).status === 404) return null;
      throw error;
    }
  }

  async pullRequestsForCommit(sha: string): Promise<PullRequestRef[]> {
    const { data } = await this.octokit.request("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls", {
      owner: this.owner,
      repo: this.name,
      commit_sha: sha,
    });
    const prs = data as Array<{
      number: number;
      state: string;
      head: { sha: string; repo: { full_name: string } | null };
    }>;
    return prs
      .filter((pr) => pr.state === "open" && pr.head.sha === sha)
      .map((pr) => ({
        number: pr.number,
        fromFork: (pr.head.repo?.full_name ?? "").toLowerCase() !== this.repo.toLowerCase(),
      }));
  }

  async readConfig(): Promise<GithubConfigRead> {
    const first = await readGithubConfig(this.octokit, this.owner, this.name);
    const target = first.unread;
    // The repository's token covers only the repository. An `_extends` in the same owner that the
    // installation also covers is read again with a token for both (read-only).
    if (
      !target ||
      !this.widerReader ||
      target.owner.toLowerCase() !== this.owner.toLowerCase() ||
      target.repo.toLowerCase() === this.name.toLowerCase()
    )
      return first.result;
    let wider: RestOctokit;
    try {
      wider = await this.widerReader(target.repo);
    } catch {
      // No wider token (the installation does not cover the `_extends` target): the first read's
      // result stands, and it already says which target went unread.
      return first.result;
    }
    return (await readGithubConfig(wider, this.owner, this.name)).result;
  }

  async changedFiles(prNumber: number): Promise<string[]> {
    const files = await this.octokit.paginate<{ filename: string; status: string }>(
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
      {
        owner: this.owner,
        repo: this.name,
        pull_number: prNumber,
        per_page: 100,
      },
    );
    return files.filter((f) => f.status !== "removed").map((f) => f.filename);
  }

  async readFile(path: string, ref?: string): Promise<string | null> {
    try {
      const { data } = await this.octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
        owner: this.owner,
        repo: this.name,
        path,
        ...(ref ? { ref } : {}),
      });
      const file = data as { type?: string; content?: string; encoding?: string };
      if (file.type !== "file" || typeof file.content !== "string") return null;
      return Buffer.from(file.content, (file.encoding as BufferEncoding) ?? "base64").toString("utf8");
    } catch (error) {
      if ((error as { status?: number }).status === 404) return null;
      throw error;
    }
  }

  async failedJobsOf(what: "workflow_run" | "check_suite" | "pipeline", id: string): Promise<FailedJob[]> {
    return failedGithubJobs(this.api, what, id);
  }

  async checkOutputText(checkId: string, output: unknown): Promise<string> {
    return checkRunOutputText(this.api, checkId, output);
  }

  workspaceRoots(): string[] {
    // Where GitHub-hosted runners check the repository out, on Linux, macOS and Windows.
    return [
      `/home/runner/work/${this.name}/${this.name}`,
      `/Users/runner/work/${this.name}/${this.name}`,
      `D:\\a\\${this.name}\\${this.name}`,
      `C:\\a\\${this.name}\\${this.name}`,
    ];
  }

  async publishReport(
    report: CommitReport,
    knownId: string | null,
  ): Promise<{ id: string; annotationBatches: number }> {
    return publishCheckRun(this.api, report, knownId);
  }

  async upsertStickyComment(
    prNumber: number,
    body: string,
    knownId: string | null,
    marker = STICKY_MARKER,
  ): Promise<string> {
    return upsertGithubStickyComment(this.api, this.appId, { prNumber, body, knownId, marker });
  }

  async userPermission(user: ForgeUser): Promise<Permission> {
    try {
      const { data } = await this.octokit.request("GET /repos/{owner}/{repo}/collaborators/{username}/permission", {
        owner: this.owner,
        repo: this.name,
        username: user.login,
      });
      return githubPermissionOf(data as Parameters<typeof githubPermissionOf>[0]);
    } catch (error) {
      // Not a user GitHub knows (renamed, deleted): no permission at all.
      if (statusOf(error) === 404) return "none";
      throw forgeApiError("github", `reading ${user.login}'s permission on ${this.repo}`, error);
    }
  }

  async isTeamMember(team: string, user: ForgeUser): Promise<boolean> {
    const [org, slug, ...rest] = team.replace(/^@/, "").split("/");
    if (!org || !slug || rest.length > 0) return false;
    try {
      const octokit = this.teamOctokit ? await this.teamOctokit() : this.octokit;
      const { data } = await octokit.request("GET /orgs/{org}/teams/{team_slug}/memberships/{username}", {
        org,
        team_slug: slug,
        username: user.login,
      });
      // A pending membership is an invitation not yet accepted: not a member.
      return (data as { state?: string }).state === "active";
    } catch (error) {
      // 404: not a member, or a team this installation cannot see; 403: no members permission.
      const status = statusOf(error);
      if (status === 404 || status === 403) return false;
      throw forgeApiError("github", `reading ${user.login}'s membership of ${team}`, error);
    }
  }

  async react(_prNumber: number, commentId: string, reaction: Reaction): Promise<void> {
    // PR conversation comments are issue comments; reacting twice answers 200, not an error.
    try {
      await this.octokit.request("POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", {
        owner: this.owner,
        repo: this.name,
        comment_id: Number(commentId),
        content: reaction,
      });
    } catch (error) {
      throw forgeApiError("github", `reacting to comment ${commentId}`, error);
    }
  }

  async postComment(prNumber: number, body: string): Promise<string> {
    try {
      const { data } = await this.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
        owner: this.owner,
        repo: this.name,
        issue_number: prNumber,
        body,
      });
      return String((data as { id: number }).id);
    } catch (error) {
      throw forgeApiError("github", `commenting on #${prNumber}`, error);
    }
  }

  async failedSteps(jobId: string): Promise<string[]> {
    try {
      const { data } = await this.octokit.request("GET /repos/{owner}/{repo}/actions/jobs/{job_id}", {
        owner: this.owner,
        repo: this.name,
        job_id: Number(jobId),
      });
      return ((data as { steps?: Array<{ name?: string; conclusion?: string | null }> }).steps ?? [])
        .filter((s) => s.conclusion === "failure" && typeof s.name === "string")
        .map((s) => s.name as string);
    } catch (error) {
      throw forgeApiError("github", `reading job ${jobId}'s steps`, error);
    }
  }

  async rerunJob(jobId: string): Promise<void> {
    try {
      await this.octokit.request("POST /repos/{owner}/{repo}/actions/jobs/{job_id}/rerun", {
        owner: this.owner,
        repo: this.name,
        job_id: Number(jobId),
      });
    } catch (error) {
      throw forgeApiError("github", `re-running job ${jobId}`, error);
    }
  }

  async upsertIssue(knownNumber: number | null, issue: IssueRequest): Promise<{ number: number; url: string | null }> {
    if (knownNumber !== null) {
      const open = await this.openIssue(knownNumber);
      if (open) {
        try {
          const { data } = await this.octokit.request("PATCH /repos/{owner}/{repo}/issues/{issue_number}", {
            owner: this.owner,
            repo: this.name,
            issue_number: knownNumber,
            body: issue.body,
          });
          return { number: knownNumber, url: (data as { html_url?: string }).html_url ?? null };
        } catch (error) {
          throw forgeApiError("github", `updating issue #${knownNumber}`, error);
        }
      }
    }
    try {
      const { data } = await this.octokit.request("POST /repos/{owner}/{repo}/issues", {
        owner: this.owner,
        repo: this.name,
        title: issue.title,
        body: issue.body,
        ...(issue.labels?.length ? { labels: [...issue.labels] } : {}),
      });
      const created = data as { number: number; html_url?: string };
      return { number: created.number, url: created.html_url ?? null };
    } catch (error) {
      throw forgeApiError("github", "opening an issue", error);
    }
  }

  /** Whether the issue still exists and is open (a deleted one is 410, a missing one 404). */
  private async openIssue(issueNumber: number): Promise<boolean> {
    try {
      const { data } = await this.octokit.request("GET /repos/{owner}/{repo}/issues/{issue_number}", {
        owner: this.owner,
        repo: this.name,
        issue_number: issueNumber,
      });
      const found = data as { state?: string; pull_request?: unknown };
      // The issues API also answers for pull requests; a number that became one is not our issue.
      return found.state === "open" && !found.pull_request;
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 || status === 410) return false;
      throw forgeApiError("github", `reading issue #${issueNumber}`, error);
    }
  }

  async pullRequestInfo(prNumber: number): Promise<PullRequestInfo | null> {
    try {
      const { data } = await this.octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
        owner: this.owner,
        repo: this.name,
        pull_number: prNumber,
      });
      const pr = data as {
        state: string;
        merged?: boolean;
        merged_at?: string | null;
        body?: string | null;
        user?: { login?: string } | null;
        head: { sha: string; ref: string; repo: { full_name: string } | null };
        base: { ref: string; repo?: { full_name: string } | null };
      };
      const base = pr.base.repo?.full_name ?? this.repo;
      return {
        headSha: pr.head.sha,
        headRef: pr.head.ref,
        baseRef: pr.base.ref,
        // A fork whose repository was deleted has no head repo: still not ours.
        fromFork: (pr.head.repo?.full_name ?? "").toLowerCase() !== base.toLowerCase(),
        state: pr.merged || pr.merged_at ? "merged" : pr.state === "open" ? "open" : "closed",
        author: pr.user?.login ?? "",
        body: pr.body ?? "",
      };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw forgeApiError("github", `reading pull request #${prNumber}`, error);
    }
  }
}
