import type { RunStore, StoredPullRequest } from "../store/index.js";
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
  readonly forge: "github" | "gitlab" | "local";
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

/**
 * The local forge: a git repository on disk is the remote, and "pull requests" are records in the
 * store, so the whole pipeline runs on a laptop with no account anywhere.
 */
export class LocalForge implements FixForge {
  readonly forge = "local" as const;

  readonly remote: GitRemote;

  constructor(
    private readonly runs: RunStore,
    remotePath: string,
  ) {
    this.remote = { url: remotePath };
  }

  async openOrUpdatePullRequest(pr: PullRequestRequest): Promise<{ number: number; url: string | null; created: boolean }> {
    return this.runs.db.withLock(`local-pr:${pr.repo}`, async () => {
      const existing = await this.runs.findPullRequest("local", pr.repo, pr.head);
      const open = existing && existing.state === "open";
      const number = open ? existing.number : await this.runs.nextLocalPullNumber(pr.repo);
      const record: StoredPullRequest = { forge: "local", repo: pr.repo, headBranch: pr.head, number, url: null, baseBranch: pr.base, title: pr.title, body: pr.body, state: "open", runId: pr.runId, fingerprint: pr.fingerprint };
      await this.runs.upsertPullRequest(record);
      return { number, url: null, created: !open };
    });
  }
}
