import { randomBytes } from "node:crypto";
import * as approvals from "./approval-queries.js";
import type { Approval, ApprovalRequest } from "./approval-queries.js";
import type { Database } from "./database.js";
import * as decisions from "./decision-queries.js";
import type { DecisionUpdate, FixDecisionRecord } from "./decision-queries.js";
import type { Forge } from "./records.js";
import * as tiers from "./tier-queries.js";
import type { AgentTier, TierUpdate } from "./tier-queries.js";

export type { AgentTier, TierUpdate } from "./tier-queries.js";
export type { Approval, ApprovalRequest, ApprovalStatus } from "./approval-queries.js";
export type { DecisionUpdate, FixDecisionRecord } from "./decision-queries.js";

/**
 * What humans and the policy decided about a repository, durably: agents' trust tiers, approvals
 * waiting for a human, paused pull requests, ignored fingerprints, commands already acted on,
 * re-runs spent, tracking issues, and the last policy decision per failure. Changes that people
 * must be able to audit also go to the ledger, in the same transaction.
 */
export class GovernanceStore {
  constructor(readonly db: Database) {}

  // --- trust tiers ---------------------------------------------------------------------------

  async getTier(forge: Forge, repo: string, agentId: string): Promise<AgentTier | null> {
    return tiers.getTier(this.db, forge, repo, agentId);
  }

  async listTiers(filter: { forge?: Forge; repo?: string } = {}): Promise<AgentTier[]> {
    return tiers.listTiers(this.db, filter);
  }

  /** Writes an agent's tier; a change of tier or revocation is ledgered with the evidence. */
  async setTier(t: TierUpdate, evidence: Record<string, unknown> | null): Promise<void> {
    return tiers.setTier(this.db, t, evidence);
  }

  async tierHistory(forge: Forge, repo: string): Promise<Array<{ at: Date; data: Record<string, unknown> }>> {
    return tiers.tierHistory(this.db, forge, repo);
  }

  // --- approvals -----------------------------------------------------------------------------

  async requestApproval(a: ApprovalRequest): Promise<void> {
    return approvals.requestApproval(this.db, a);
  }

  async getApproval(runId: string): Promise<Approval | null> {
    return approvals.getApproval(this.db, runId);
  }

  async waitingApprovals(forge: Forge, repo: string, prNumber?: number): Promise<Approval[]> {
    return approvals.waitingApprovals(this.db, forge, repo, prNumber);
  }

  /** Decides a waiting approval; null when it was not waiting (see approval-queries.ts). */
  async decideApproval(
    runId: string,
    status: "approved" | "denied",
    by: string,
    via: "comment" | "slack" | "cli",
  ): Promise<Approval | null> {
    return approvals.decideApproval(this.db, runId, status, by, via);
  }

  async expireApprovals(): Promise<Approval[]> {
    return approvals.expireApprovals(this.db);
  }

  // --- pauses and ignores --------------------------------------------------------------------

  /** Pauses Sentinel's actions on one pull request (prNumber 0: the whole repository). */
  async pause(forge: Forge, repo: string, prNumber: number, by: string): Promise<void> {
    await this.db.query(
      "INSERT INTO pauses (forge, repo, pr_number, paused_by) VALUES ($1, $2, $3, $4) ON CONFLICT (forge, repo, pr_number) DO NOTHING",
      [forge, repo, prNumber, by],
    );
  }

  async unpause(forge: Forge, repo: string, prNumber: number): Promise<boolean> {
    const { rowCount } = await this.db.query("DELETE FROM pauses WHERE forge = $1 AND repo = $2 AND pr_number = $3", [
      forge,
      repo,
      prNumber,
    ]);
    return rowCount > 0;
  }

  /** Whether any of these pull requests, or the repository, is paused. */
  async isPaused(forge: Forge, repo: string, prNumbers: readonly number[]): Promise<boolean> {
    const { rows } = await this.db.query<{ n: number | string }>(
      "SELECT count(*) AS n FROM pauses WHERE forge = $1 AND repo = $2 AND (pr_number = 0 OR pr_number = ANY($3::integer[]))",
      [forge, repo, [...prNumbers]],
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }

  async ignore(forge: Forge, repo: string, fingerprint: string, by: string): Promise<void> {
    await this.db.query(
      "INSERT INTO ignored_fingerprints (forge, repo, fingerprint, ignored_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
      [forge, repo, fingerprint, by],
    );
  }

  async isIgnored(forge: Forge, repo: string, fingerprint: string): Promise<boolean> {
    const { rows } = await this.db.query(
      "SELECT 1 FROM ignored_fingerprints WHERE forge = $1 AND repo = $2 AND fingerprint = $3",
      [forge, repo, fingerprint],
    );
    return rows.length > 0;
  }

  // --- manual fix requests ---------------------------------------------------------------------

  /**
   * Records a person's request to fix one failure (written by the command handler after it checked
   * their permission). The queue job names only the request's id: what it permits is read here.
   */
  async recordFixRequest(r: {
    failureKey: string;
    forge: Forge;
    repo: string;
    requestedBy: string;
    via: "comment" | "cli";
    commentId: string | null;
  }): Promise<string> {
    const id = `req_${Date.now().toString(36)}_${randomBytes(6).toString("hex")}`;
    await this.db.query(
      "INSERT INTO fix_requests (request_id, failure_key, forge, repo, requested_by, via, comment_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      [id, r.failureKey, r.forge, r.repo, r.requestedBy, r.via, r.commentId],
    );
    return id;
  }

  /**
   * The request, when it exists, names this failure, and no run has used it yet (or the run that
   * did died or threw, and this is its job handed out again). A request is good for one run: a job
   * replayed into the queue with the same id gets no manual privileges a second time.
   */
  async claimFixRequest(requestId: string, failureKey: string): Promise<{ requestedBy: string; via: string } | null> {
    const { rows } = await this.db.query<{ requested_by: string; via: string }>(
      `SELECT requested_by, via FROM fix_requests f WHERE request_id = $1 AND failure_key = $2
       AND (run_id IS NULL OR EXISTS (SELECT 1 FROM runs r WHERE r.run_id = f.run_id AND r.status IN ('abandoned', 'failed')))`,
      [requestId, failureKey],
    );
    return rows[0] ? { requestedBy: rows[0].requested_by, via: rows[0].via } : null;
  }

  /** The run a request was spent on. */
  async spendFixRequest(requestId: string, runId: string): Promise<void> {
    await this.db.query("UPDATE fix_requests SET run_id = $2 WHERE request_id = $1", [requestId, runId]);
  }

  // --- commands, re-runs, tracking issues ----------------------------------------------------

  /** Claims a comment's commands for execution; false when they were acted on already. */
  async claimComment(forge: Forge, repo: string, commentId: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      "INSERT INTO processed_comments (forge, repo, comment_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
      [forge, repo, commentId],
    );
    return rowCount === 1;
  }

  async recordRerun(r: {
    forge: Forge;
    repo: string;
    sha: string;
    jobId: string;
    failureKey: string | null;
    requestedBy: string;
  }): Promise<void> {
    await this.db.query(
      "INSERT INTO reruns (forge, repo, sha, job_id, failure_key, requested_by) VALUES ($1, $2, $3, $4, $5, $6)",
      [r.forge, r.repo, r.sha, r.jobId, r.failureKey, r.requestedBy],
    );
  }

  async rerunsOnCommit(forge: Forge, repo: string, sha: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number | string }>(
      "SELECT count(*) AS n FROM reruns WHERE forge = $1 AND repo = $2 AND sha = $3",
      [forge, repo, sha],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async getTrackingIssue(
    forge: Forge,
    repo: string,
    fingerprint: string,
  ): Promise<{ number: number; url: string | null } | null> {
    const { rows } = await this.db.query<{ number: number; url: string | null }>(
      "SELECT number, url FROM tracking_issues WHERE forge = $1 AND repo = $2 AND fingerprint = $3",
      [forge, repo, fingerprint],
    );
    return rows[0] ? { number: Number(rows[0].number), url: rows[0].url } : null;
  }

  async setTrackingIssue(
    forge: Forge,
    repo: string,
    fingerprint: string,
    issue: { number: number; url: string | null },
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO tracking_issues (forge, repo, fingerprint, number, url) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (forge, repo, fingerprint) DO UPDATE SET number = EXCLUDED.number, url = EXCLUDED.url, updated_at = now()`,
      [forge, repo, fingerprint, issue.number, issue.url],
    );
  }

  /** Flaky diagnoses of a fingerprint in a repository: how often it alternated. */
  async flakyCount(forge: Forge, repo: string, fingerprint: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number | string }>(
      "SELECT count(*) AS n FROM diagnoses WHERE forge = $1 AND repo = $2 AND fingerprint = $3 AND flaky",
      [forge, repo, fingerprint],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Whether the fingerprint was also diagnosed on the default branch (on another commit): the failure is not this change's. */
  async seenOnBranch(
    forge: Forge,
    repo: string,
    fingerprint: string,
    branch: string,
    exceptSha: string,
  ): Promise<boolean> {
    const { rows } = await this.db.query(
      "SELECT 1 FROM diagnoses d JOIN failures f ON f.failure_key = d.failure_key WHERE d.forge = $1 AND d.repo = $2 AND d.fingerprint = $3 AND f.ref = $4 AND f.sha <> $5 LIMIT 1",
      [forge, repo, fingerprint, branch, exceptSha],
    );
    return rows.length > 0;
  }

  // --- policy decisions and the facts they need ----------------------------------------------

  /** The policy's last word on a failure, kept for the sticky comment and written to the ledger. */
  async setDecision(d: DecisionUpdate): Promise<void> {
    return decisions.setDecision(this.db, d);
  }

  async decisions(failureKeys: readonly string[]): Promise<Map<string, FixDecisionRecord>> {
    return decisions.decisions(this.db, failureKeys);
  }

  /** Fix runs that got past the gate (they acted, or would have in shadow). */
  async attempts(
    forge: Forge,
    repo: string,
    where: { sha?: string; fingerprint?: string; exceptRunId?: string },
  ): Promise<{ count: number; last: Date | null }> {
    const { rows } = await this.db.query<{ n: number | string; last: Date | null }>(
      `SELECT count(*) AS n, max(started_at) AS last FROM runs WHERE forge = $1 AND repo = $2 AND action IS NOT NULL
       AND ($3::text IS NULL OR sha = $3) AND ($4::text IS NULL OR fingerprint = $4) AND ($5::text IS NULL OR run_id <> $5)`,
      [forge, repo, where.sha ?? null, where.fingerprint ?? null, where.exceptRunId ?? null],
    );
    return { count: Number(rows[0]?.n ?? 0), last: rows[0]?.last ?? null };
  }

  /** Whether Sentinel itself pushed this commit (CI on its own fix is verification, not a new failure to fix). */
  async isSentinelCommit(forge: Forge, repo: string, sha: string): Promise<boolean> {
    const { rows } = await this.db.query(
      "SELECT 1 FROM ledger l JOIN runs r ON r.run_id = l.run_id WHERE l.kind = 'pushed' AND r.forge = $1 AND r.repo = $2 AND l.data->>'commit' = $3 LIMIT 1",
      [forge, repo, sha],
    );
    return rows.length > 0;
  }

  /** When fix pull requests were opened in the last `windowMs` (the rate limit's sliding window), and how many are open. */
  async pullRequestLoad(forge: Forge, repo: string, windowMs: number): Promise<{ openedAt: Date[]; open: number }> {
    const { rows } = await this.db.query<{ created_at: Date }>(
      "SELECT created_at FROM pull_requests WHERE forge = $1 AND repo = $2 AND kind = 'fix' AND created_at > now() - ($3 || ' milliseconds')::interval ORDER BY created_at",
      [forge, repo, String(windowMs)],
    );
    const { rows: open } = await this.db.query<{ n: number | string }>(
      "SELECT count(*) AS n FROM pull_requests WHERE forge = $1 AND repo = $2 AND kind = 'fix' AND state = 'open'",
      [forge, repo],
    );
    return { openedAt: rows.map((r) => r.created_at), open: Number(open[0]?.n ?? 0) };
  }
}
