// Opening or updating the issue Sentinel keeps on a GitLab project.
import type { IssueRequest } from "../forge-client.js";
import { SentinelError } from "../../core/index.js";
import { issueAnswer, parseAnswer } from "./api-schemas.js";
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
      const edited = parseAnswer(
        issueAnswer.pick({ web_url: true }),
        await api.Issues.edit(projectId, knownNumber, { description: issue.body }),
        `updating issue #${knownNumber}`,
      );
      return { number: knownNumber, url: edited.web_url ?? null };
    } catch (error) {
      if (error instanceof SentinelError) throw error;
      throw apiError(`updating issue #${knownNumber}`, error);
    }
  }
  try {
    const answer = await api.Issues.create(projectId, issue.title, {
      description: issue.body,
      // GitLab takes labels comma-separated and creates the ones the project lacks.
      ...(issue.labels?.length ? { labels: issue.labels.join(",") } : {}),
    });
    const created = parseAnswer(issueAnswer, answer, "opening an issue");
    return { number: created.iid, url: created.web_url ?? null };
  } catch (error) {
    if (error instanceof SentinelError) throw error;
    throw apiError("opening an issue", error);
  }
}

async function issueIsOpen(api: GitlabApi, apiError: GitlabApiError, projectId: string, iid: number): Promise<boolean> {
  try {
    const found = parseAnswer(issueAnswer, await api.Issues.show(iid, { projectId }), `reading issue #${iid}`);
    return found.state === "opened";
  } catch (error) {
    if (error instanceof SentinelError) throw error;
    if (statusOf(error) === 404) return false;
    throw apiError(`reading issue #${iid}`, error);
  }
}
