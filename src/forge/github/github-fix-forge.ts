import type { Octokit } from "@octokit/core";
import type { FixForge, PullRequestRequest } from "../fix-forge.js";
import { forgeGitUrl, RemoteRefusedError, type GitRemote } from "../../workspace/index.js";

/**
 * Pushing fix branches and opening pull requests on GitHub, with an installation token scoped to
 * the one repository (contents and pull requests: write). The remote is GitHub's own host (from
 * the API base Sentinel is configured with) and the repository's name as the API gives it for
 * its id; the token reaches git only as a header scoped to that host.
 */
export class GithubFixForge implements FixForge {
  readonly forge = "github" as const;

  constructor(
    private readonly octokit: Octokit,
    readonly repo: string,
    readonly remote: GitRemote,
  ) {}

  /**
   * Asks the API which repository `repoId` is, refuses when it is not `repo` (the delivery named
   * one repository and its id another), and builds the remote from `webOrigin`.
   */
  static async connect(
    octokit: Octokit,
    repo: string,
    repoId: string,
    webOrigin: string,
    token: string,
  ): Promise<GithubFixForge> {
    const [owner, name] = repo.split("/") as [string, string];
    const { data } = await octokit.request("GET /repos/{owner}/{repo}", { owner, repo: name });
    const found = data as { id: number; full_name: string };
    if (String(found.id) !== repoId)
      throw new RemoteRefusedError(
        `GitHub says ${repo} is repository ${found.id}, not ${repoId}: Sentinel fixes only the repository the failure was reported for`,
      );
    return new GithubFixForge(octokit, found.full_name, {
      url: forgeGitUrl(webOrigin, found.full_name),
      auth: { token, user: "x-access-token" },
    });
  }

  async suggestPatch(prNumber: number, body: string): Promise<{ id: string }> {
    const [owner, repo] = this.repo.split("/") as [string, string];
    // Pull request conversation comments are issue comments; pull_requests: write may post them.
    const { data } = await this.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      owner,
      repo,
      issue_number: prNumber,
      body,
    });
    return { id: String((data as { id: number }).id) };
  }

  async openOrUpdatePullRequest(
    pr: PullRequestRequest,
  ): Promise<{ number: number; url: string | null; created: boolean }> {
    const [owner, repo] = this.repo.split("/") as [string, string];
    // One pull request per fix branch: an open one is updated, never duplicated.
    const { data: open } = await this.octokit.request("GET /repos/{owner}/{repo}/pulls", {
      owner,
      repo,
      head: `${owner}:${pr.head}`,
      state: "open",
      per_page: 10,
    });
    const existing = (open as Array<{ number: number; html_url: string }>)[0];
    if (existing) {
      await this.octokit.request("PATCH /repos/{owner}/{repo}/pulls/{pull_number}", {
        owner,
        repo,
        pull_number: existing.number,
        title: pr.title,
        body: pr.body,
      });
      return { number: existing.number, url: existing.html_url, created: false };
    }
    const { data } = await this.octokit.request("POST /repos/{owner}/{repo}/pulls", {
      owner,
      repo,
      head: pr.head,
      base: pr.base,
      title: pr.title,
      body: pr.body,
      maintainer_can_modify: true,
    });
    const created = data as { number: number; html_url: string };
    return { number: created.number, url: created.html_url, created: true };
  }
}
