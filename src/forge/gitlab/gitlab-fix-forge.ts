import { z } from "zod";
import type { FixForge, PullRequestRequest } from "../fix-forge.js";
import { createdAnswer, mergeRequestAnswer, parseAnswer, projectAnswer } from "./api-schemas.js";
import { forgeGitUrl, RemoteRefusedError, type GitRemote } from "../../workspace/index.js";
import { gitlabApi, type GitlabApi } from "./gitlab-api.js";

const mrLink = mergeRequestAnswer.pick({ iid: true, web_url: true });

/**
 * Pushing fix branches and opening merge requests on GitLab (gitlab.com or self-managed). The
 * remote is built from GITLAB_URL and the project path the API gives for the project's id, never
 * from a hook (whose sender only proved it knows a shared secret); git authenticates with the
 * token as HTTP basic auth (user `oauth2`), as a header scoped to GITLAB_URL's origin.
 */
export class GitlabFixForge implements FixForge {
  readonly forge = "gitlab" as const;

  constructor(
    private readonly api: GitlabApi,
    private readonly projectId: string,
    readonly remote: GitRemote,
  ) {}

  /** Confirms project `projectId` is `repo` through the API, then builds its remote on `baseUrl`. */
  static async connect(baseUrl: string, token: string, projectId: string, repo: string): Promise<GitlabFixForge> {
    const api = await gitlabApi({ baseUrl, token });
    const project = parseAnswer(projectAnswer, await api.Projects.show(projectId), `reading project ${projectId}`);
    if (String(project.id) !== projectId || project.path_with_namespace !== repo) {
      throw new RemoteRefusedError(
        `GitLab says project ${projectId} is ${project.path_with_namespace}, not ${repo}: Sentinel fixes only the project the failure was reported for`,
      );
    }
    return new GitlabFixForge(api, projectId, {
      url: forgeGitUrl(baseUrl, project.path_with_namespace),
      auth: { token, user: "oauth2" },
    });
  }

  async suggestPatch(mrIid: number, body: string): Promise<{ id: string }> {
    const answer = await this.api.MergeRequestNotes.create(this.projectId, mrIid, body);
    const note = parseAnswer(createdAnswer, answer, `commenting on !${mrIid}`);
    return { id: String(note.id) };
  }

  async openOrUpdatePullRequest(
    pr: PullRequestRequest,
  ): Promise<{ number: number; url: string | null; created: boolean }> {
    // One merge request per fix branch: an open one is updated, never duplicated.
    const open = parseAnswer(
      z.array(mrLink),
      await this.api.MergeRequests.all({ projectId: this.projectId, sourceBranch: pr.head, state: "opened" } as never),
      `listing the open merge requests from ${pr.head}`,
    );
    const existing = open[0];
    if (existing) {
      await this.api.MergeRequests.edit(this.projectId, existing.iid, {
        title: pr.title,
        description: pr.body,
      } as never);
      return { number: existing.iid, url: existing.web_url ?? null, created: false };
    }
    const answer = await this.api.MergeRequests.create(this.projectId, pr.head, pr.base, pr.title, {
      description: pr.body,
      removeSourceBranch: true,
    } as never);
    const mr = parseAnswer(mrLink, answer, `opening a merge request from ${pr.head}`);
    return { number: mr.iid, url: mr.web_url ?? null, created: true };
  }
}
