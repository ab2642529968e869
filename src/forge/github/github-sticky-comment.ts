import type { GithubRepoApi } from "./github-repo-api.js";

/**
 * Edits Sentinel's sticky comment on a pull request, or posts it when it is gone or was never
 * made; answers its id.
 */
export async function upsertGithubStickyComment(
  api: GithubRepoApi,
  appId: number | null,
  sticky: {
    readonly prNumber: number;
    readonly body: string;
    readonly knownId: string | null;
    readonly marker: string;
  },
): Promise<string> {
  const { octokit, owner, name } = api;
  const { prNumber, body, knownId, marker } = sticky;
  const text = `${marker}\n${body}`;
  const id = knownId ?? (await findStickyComment(api, appId, prNumber, marker));
  if (id) {
    try {
      await octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
        owner,
        repo: name,
        comment_id: Number(id),
        body: text,
      });
      return id;
    } catch (error) {
      // Deleted (404), or not ours to edit (403): post a new one below.
      const status = (error as { status?: number }).status;
      if (status !== 404 && status !== 403) throw error;
    }
  }
  const { data } = await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
    owner,
    repo: name,
    issue_number: prNumber,
    body: text,
  });
  return String((data as { id: number }).id);
}

/** When the store lost the id (a new database), the marker still finds Sentinel's own comment. */
async function findStickyComment(
  { octokit, owner, name }: GithubRepoApi,
  appId: number | null,
  prNumber: number,
  marker: string,
): Promise<string | null> {
  const comments = await octokit.paginate<{
    id: number;
    body?: string;
    performed_via_github_app?: { id?: number } | null;
    user?: { type?: string } | null;
  }>("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
    owner,
    repo: name,
    issue_number: prNumber,
    per_page: 100,
  });
  // Anyone can type the marker; only a comment this App made is its sticky comment.
  const mine = comments.find(
    (c) =>
      c.body?.startsWith(marker) &&
      (appId !== null ? c.performed_via_github_app?.id === appId : c.user?.type === "Bot"),
  );
  return mine ? String(mine.id) : null;
}
