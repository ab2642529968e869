import type { Database } from "./database.js";
import type { Forge } from "./records.js";

/**
 * What Sentinel posted on a commit or pull request, so a later report edits it instead of
 * posting again: the commit's report (check run or status) and the PR's sticky comment.
 */
export class PullRequestStore {
  constructor(private readonly db: Database) {}

  async commitReport(forge: Forge, repo: string, sha: string): Promise<string | null> {
    const { rows } = await this.db.query<{ report_id: string }>(
      "SELECT report_id FROM commit_reports WHERE forge = $1 AND repo = $2 AND sha = $3",
      [forge, repo, sha],
    );
    return rows[0]?.report_id ?? null;
  }

  async setCommitReport(forge: Forge, repo: string, sha: string, reportId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO commit_reports (forge, repo, sha, report_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (forge, repo, sha) DO UPDATE SET report_id = EXCLUDED.report_id, updated_at = now()`,
      [forge, repo, sha, reportId],
    );
  }

  async stickyComment(forge: Forge, repo: string, prNumber: number): Promise<string | null> {
    const { rows } = await this.db.query<{ comment_id: string }>(
      "SELECT comment_id FROM sticky_comments WHERE forge = $1 AND repo = $2 AND pr_number = $3",
      [forge, repo, prNumber],
    );
    return rows[0]?.comment_id ?? null;
  }

  async setStickyComment(forge: Forge, repo: string, prNumber: number, commentId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO sticky_comments (forge, repo, pr_number, comment_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (forge, repo, pr_number) DO UPDATE SET comment_id = EXCLUDED.comment_id, updated_at = now()`,
      [forge, repo, prNumber, commentId],
    );
  }
}
