import { Gitlab } from "@gitbeaker/rest";
import type { FixForge, PullRequestRequest } from "../../pipeline/fix-forge.js";

/**
 * Pushing fix branches and opening merge requests on GitLab (gitlab.com or self-managed). Git
 * authenticates with the token as HTTP basic auth (user `oauth2`), as a header in git's
 * environment only.
 */
export class GitlabFixForge implements FixForge {
  readonly forge = "gitlab" as const;
  readonly pushAuth: { token: string; tokenUser: string };

  constructor(
    private readonly api: InstanceType<typeof Gitlab>,
    private readonly projectId: string,
    readonly remoteUrl: string,
    token: string,
  ) {
    this.pushAuth = { token, tokenUser: "oauth2" };
  }

  static connect(baseUrl: string, token: string, projectId: string, remoteUrl: string): GitlabFixForge {
    return new GitlabFixForge(new Gitlab({ host: baseUrl.replace(/\/+$/, ""), token }), projectId, remoteUrl, token);
  }

  async openOrUpdatePullRequest(pr: PullRequestRequest): Promise<{ number: number; url: string | null; created: boolean }> {
    // One merge request per fix branch: an open one is updated, never duplicated.
    const open = (await this.api.MergeRequests.all({ projectId: this.projectId, sourceBranch: pr.head, state: "opened" } as never)) as unknown as Array<{ iid: number; web_url?: string }>;
    const existing = open[0];
    if (existing) {
      await this.api.MergeRequests.edit(this.projectId, existing.iid, { title: pr.title, description: pr.body } as never);
      return { number: existing.iid, url: existing.web_url ?? null, created: false };
    }
    const mr = (await this.api.MergeRequests.create(this.projectId, pr.head, pr.base, pr.title, { description: pr.body, removeSourceBranch: true } as never)) as unknown as { iid: number; web_url?: string };
    return { number: mr.iid, url: mr.web_url ?? null, created: true };
  }
}
