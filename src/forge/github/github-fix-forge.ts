import type { Octokit } from "@octokit/core";
import type { FixForge, PullRequestRequest } from "../../pipeline/fix-forge.js";

/**
 * Pushing fix branches and opening pull requests on GitHub, with an installation token scoped to
 * the one repository (contents and pull requests: write). The token reaches git only as an HTTP
 * header in its environment.
 */
export class GithubFixForge implements FixForge {
  readonly forge = "github" as const;
  readonly pushAuth: { token: string; tokenUser: string };

  constructor(
    private readonly octokit: Octokit,
    readonly repo: string,
    readonly remoteUrl: string,
    token: string,
  ) {
    this.pushAuth = { token, tokenUser: "x-access-token" };
  }

  async openOrUpdatePullRequest(pr: PullRequestRequest): Promise<{ number: number; url: string | null; created: boolean }> {
    const [owner, repo] = this.repo.split("/") as [string, string];
    // One pull request per fix branch: an open one is updated, never duplicated.
    const { data: open } = await this.octokit.request("GET /repos/{owner}/{repo}/pulls", { owner, repo, head: `${owner}:${pr.head}`, state: "open", per_page: 10 });
    const existing = (open as Array<{ number: number; html_url: string }>)[0];
    if (existing) {
      await this.octokit.request("PATCH /repos/{owner}/{repo}/pulls/{pull_number}", { owner, repo, pull_number: existing.number, title: pr.title, body: pr.body });
      return { number: existing.number, url: existing.html_url, created: false };
    }
    const { data } = await this.octokit.request("POST /repos/{owner}/{repo}/pulls", { owner, repo, head: pr.head, base: pr.base, title: pr.title, body: pr.body, maintainer_can_modify: true });
    const created = data as { number: number; html_url: string };
    return { number: created.number, url: created.html_url, created: true };
  }
}
