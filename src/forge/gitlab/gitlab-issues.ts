// Opening or updating the issue Sentinel keeps on a GitLab project.
import type { IssueRequest } from "../forge-client.js";
import { statusOf, type GitlabApi, type GitlabApiError } from "./gitlab-api.js";

/** Updates issue `knownNumber` while it is open, else opens a new one. */
export async function upsertGitlabIssue(
  api: GitlabApi,
  apiError: GitlabApiError,
  projectId: string,
  knownNumber: number | null,
  issue: IssueRequest,
): Promise<{ number: number; url: string | null }> {
  if (knownNumber !== null && (await issueIsOpen(api, apiError, projectId, knownNumber))) {
    try {
      const edited = (await api.Issues.edit(projectId, knownNumber, {
        description: issue.body,
      })) as unknown as { web_url?: string };
      return { number: knownNumber, url: edited.web_url ?? null };
    } catch (error) {
      throw apiError(`updating issue #${knownNumber}`, error);
    }
  }
  try {
    const created = (await api.Issues.create(projectId, issue.title, {
      description: issue.body,
      // GitLab takes labels comma-separated and creates the ones the project lacks.
      ...(issue.labels?.length ? { labels: issue.labels.join(",") } : {}),
    })) as unknown as { iid: number; web_url?: string };
    return { number: created.iid, url: created.web_url ?? null };
  } catch (error) {
    throw apiError("opening an issue", error);
  }
}

async function issueIsOpen(api: GitlabApi, apiError: GitlabApiError, projectId: string, iid: number): Promise<boolean> {
  try {
    const found = (await api.Issues.show(iid, { projectId })) as unknown as { state?: string };
    return found.state === "opened";
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw apiError(`reading issue #${iid}`, error);
  }
}
