import type { RunStore, StoredPullRequest } from "../../store/index.js";
import type { GitRemote } from "../../workspace/index.js";
import type { FixForge, PullRequestRequest } from "../fix-forge.js";

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

  async openOrUpdatePullRequest(
    pr: PullRequestRequest,
  ): Promise<{ number: number; url: string | null; created: boolean }> {
    return this.runs.db.withLock(`local-pr:${pr.repo}`, async () => {
      const existing = await this.runs.findPullRequest("local", pr.repo, pr.head);
      const open = existing && existing.state === "open";
      const number = open ? existing.number : await this.runs.nextLocalPullNumber(pr.repo);
      const record: StoredPullRequest = {
        forge: "local",
        repo: pr.repo,
        headBranch: pr.head,
        number,
        url: null,
        baseBranch: pr.base,
        title: pr.title,
        body: pr.body,
        state: "open",
        runId: pr.runId,
        fingerprint: pr.fingerprint,
      };
      await this.runs.upsertPullRequest(record);
      return { number, url: null, created: !open };
    });
  }
}
