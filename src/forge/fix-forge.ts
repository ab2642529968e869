import type { ForgeId } from "../core/index.js";
import type { GitRemote } from "../workspace/index.js";

export interface PullRequestRequest {
  readonly repo: string;
  readonly head: string;
  readonly base: string;
  readonly title: string;
  readonly body: string;
  readonly runId: string;
  readonly fingerprint: string;
}

/** Where fix branches are pushed and pull/merge requests opened. */
export interface FixForge {
  readonly forge: ForgeId;
  /**
   * Where git fetches the repository and pushes fixes: for a forge, a URL built from the
   * configured forge origin and the repository path its API confirmed, with the token scoped to it.
   */
  readonly remote: GitRemote;
  /** Opens a PR for `head`, or updates the one already open for it: never a duplicate. */
  openOrUpdatePullRequest(pr: PullRequestRequest): Promise<{ number: number; url: string | null; created: boolean }>;
  /**
   * Posts a verified fix as a patch in a comment on pull request `prNumber`: how a fork's fix is
   * proposed, since a fork's code never lands in the base repository. Absent where a forge has
   * no forks (the local forge).
   */
  suggestPatch?(prNumber: number, body: string): Promise<{ id: string }>;
}
