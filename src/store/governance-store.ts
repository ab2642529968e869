import { randomBytes } from "node:crypto";
import { appendLedgerIn, lockLedgerIn } from "../ledger/index.js";
import type { Database } from "./database.js";
import type { Forge } from "./records.js";

export interface AgentTier {
  readonly forge: Forge;
  readonly repo: string;
  readonly agentId: string;
  readonly tier: number;
  readonly cleanStreak: number;
  readonly revoked: boolean;
  readonly reason: string | null;
  readonly updatedAt: Date;
}

export type ApprovalStatus = "waiting" | "approved" | "denied" | "expired";

export interface Approval {
  readonly runId: string;
  readonly forge: Forge;
  readonly repo: string;
  readonly prNumber: number | null;
  readonly failureKey: string | null;
  readonly fingerprint: string;
  readonly rule: string;
  readonly message: string;
  readonly status: ApprovalStatus;
  readonly requestedAt: Date;
  readonly expiresAt: Date;
  readonly decidedBy: string | null;
  readonly decidedVia: string | null;
}

export interface FixDecisionRecord {
  readonly failureKey: string;
  readonly verdict: string;
  readonly rule: string | null;
  readonly message: string;
  readonly runId: string | null;
  readonly at: Date;
}

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
    const { rows } = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM agent_tiers WHERE forge = $1 AND repo = $2 AND agent_id = $3",
      [forge, repo, agentId],
    );
    return rows[0] ? toTier(rows[0]) : null;
  }

  async listTiers(filter: { forge?: Forge; repo?: string } = {}): Promise<AgentTier[]> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM agent_tiers WHERE ($1::text IS NULL OR forge = $1) AND ($2::text IS NULL OR repo = $2) ORDER BY forge, repo, agent_id",
      [filter.forge ?? null, filter.repo ?? null],
    );
    return rows.map(toTier);
  }

  /**
   * Writes an agent's tier and, when the tier or revocation changes, a `tier.changed` ledger entry
   * with the evidence, in one transaction.
   */
  async setTier(
    t: {
      forge: Forge;
      repo: string;
      agentId: string;
      tier: number;
      cleanStreak: number;
      revoked: boolean;
      reason: string | null;
    },
    evidence: Record<string, unknown> | null,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ tier: number; revoked: boolean }>(
        "SELECT tier, revoked FROM agent_tiers WHERE forge = $1 AND repo = $2 AND agent_id = $3 FOR UPDATE",
        [t.forge, t.repo, t.agentId],
      );
      const before = rows[0];
      await tx.query(
        `INSERT INTO agent_tiers (forge, repo, agent_id, tier, clean_streak, revoked, reason, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now())
         ON CONFLICT (forge, repo, agent_id) DO UPDATE SET tier = EXCLUDED.tier, clean_streak = EXCLUDED.clean_streak, revoked = EXCLUDED.revoked,
           reason = EXCLUDED.reason, updated_at = now()`,
        [t.forge, t.repo, t.agentId, t.tier, t.cleanStreak, t.revoked, t.reason],
      );
      const changed = !before || Number(before.tier) !== t.tier || Boolean(before.revoked) !== t.revoked;
      if (changed && evidence) {
        await appendLedgerIn(tx, [
          {
            runId: typeof evidence.runId === "string" ? evidence.runId : null,
            kind: "tier.changed",
            data: {
              forge: t.forge,
              repo: t.repo,
              agent: t.agentId,
              from: before ? (before.revoked ? "revoked" : Number(before.tier)) : null,
              to: t.revoked ? "revoked" : t.tier,
              reason: t.reason,
              ...evidence,
            },
          },
        ]);
      }
    });
  }

  /** Tier changes of a repository, oldest first, as the ledger holds them. */
  async tierHistory(forge: Forge, repo: string): Promise<Array<{ at: Date; data: Record<string, unknown> }>> {
    const { rows } = await this.db.query<{ at: Date; data: Record<string, unknown> }>(
      "SELECT at, data FROM ledger WHERE kind = 'tier.changed' AND data->>'forge' = $1 AND data->>'repo' = $2 ORDER BY seq",
      [forge, repo],
    );
    return rows;
  }

  // --- approvals -----------------------------------------------------------------------------

  async requestApproval(a: {
    runId: string;
    forge: Forge;
    repo: string;
    prNumber: number | null;
    failureKey: string | null;
    fingerprint: string;
    rule: string;
    message: string;
    expiresAt: Date;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO approvals (run_id, forge, repo, pr_number, failure_key, fingerprint, rule, message, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (run_id) DO UPDATE SET status = 'waiting', rule = EXCLUDED.rule, message = EXCLUDED.message, expires_at = EXCLUDED.expires_at,
         decided_by = NULL, decided_via = NULL, decided_at = NULL, requested_at = now()`,
      [a.runId, a.forge, a.repo, a.prNumber, a.failureKey, a.fingerprint, a.rule, a.message, a.expiresAt],
    );
  }

  async getApproval(runId: string): Promise<Approval | null> {
    const { rows } = await this.db.query<Record<string, unknown>>("SELECT * FROM approvals WHERE run_id = $1", [runId]);
    return rows[0] ? toApproval(rows[0]) : null;
  }

  /** Approvals still waiting on a pull request, oldest first. */
  async waitingApprovals(forge: Forge, repo: string, prNumber?: number): Promise<Approval[]> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM approvals WHERE forge = $1 AND repo = $2 AND status = 'waiting' AND ($3::integer IS NULL OR pr_number = $3) AND expires_at > now() ORDER BY requested_at",
      [forge, repo, prNumber ?? null],
    );
    return rows.map(toApproval);
  }

  /**
   * Decides a waiting approval; null when it was not waiting (decided already, expired, unknown),
   * so two people pressing at once cannot both resume the run.
   */
  async decideApproval(
    runId: string,
    status: "approved" | "denied",
    by: string,
    via: "comment" | "slack" | "cli",
  ): Promise<Approval | null> {
    // The decision and its ledger entry are written together or not at all.
    const decided = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<Record<string, unknown>>(
        `UPDATE approvals SET status = $2, decided_by = $3, decided_via = $4, decided_at = now()
         WHERE run_id = $1 AND status = 'waiting' AND expires_at > now() RETURNING *`,
        [runId, status, by, via],
      );
      if (rows[0])
        await appendLedgerIn(tx, [{ runId, kind: `approval.${status}`, data: { by, via, rule: rows[0].rule } }]);
      return rows[0] ?? null;
    });
    return decided ? toApproval(decided) : null;
  }

  /** Marks approvals past their expiry as expired and returns them. */
  async expireApprovals(): Promise<Approval[]> {
    const rows = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<Record<string, unknown>>(
        "UPDATE approvals SET status = 'expired', decided_at = now() WHERE status = 'waiting' AND expires_at <= now() RETURNING *",
      );
      await appendLedgerIn(
        tx,
        rows.map((r) => ({ runId: String(r.run_id), kind: "approval.expired", data: { rule: r.rule } })),
      );
      return rows;
    });
    return rows.map(toApproval);
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

  // --- commands, re-runs, tracking issues ----------------------------------------------------

  /** Claims a comment's commands for execution; false when they were acted on already. */
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

  /**
   * The policy's last word on a failure (fixed, proposed, or refused by which rule), kept for the
   * sticky comment and written to the ledger: every refusal is an entry naming its rule.
   */
  async setDecision(d: {
    failureKey: string;
    forge: Forge;
    repo: string;
    fingerprint: string;
    verdict: string;
    rule: string | null;
    message: string;
    runId: string | null;
  }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await lockLedgerIn(tx);
      await tx.query(
        `INSERT INTO fix_decisions (failure_key, forge, repo, fingerprint, verdict, rule, message, run_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (failure_key) DO UPDATE SET verdict = EXCLUDED.verdict, rule = EXCLUDED.rule, message = EXCLUDED.message, run_id = EXCLUDED.run_id, at = now()`,
        [d.failureKey, d.forge, d.repo, d.fingerprint, d.verdict, d.rule, d.message.slice(0, 2000), d.runId],
      );
      // About a failure, not a step of a run (the run records its own policy.decision entries).
      await appendLedgerIn(tx, [
        {
          runId: null,
          kind: "decision",
          data: {
            failure: d.failureKey,
            run: d.runId,
            forge: d.forge,
            repo: d.repo,
            fingerprint: d.fingerprint,
            verdict: d.verdict,
            rule: d.rule,
            message: d.message.slice(0, 500),
          },
        },
      ]);
    });
  }

  async decisions(failureKeys: readonly string[]): Promise<Map<string, FixDecisionRecord>> {
    if (failureKeys.length === 0) return new Map();
    const { rows } = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM fix_decisions WHERE failure_key = ANY($1::text[])",
      [[...failureKeys]],
    );
    return new Map(
      rows.map((r) => [
        String(r.failure_key),
        {
          failureKey: String(r.failure_key),
          verdict: String(r.verdict),
          rule: (r.rule as string | null) ?? null,
          message: String(r.message),
          runId: (r.run_id as string | null) ?? null,
          at: r.at as Date,
        },
      ]),
    );
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

function toTier(r: Record<string, unknown>): AgentTier {
  return {
    forge: r.forge as Forge,
    repo: String(r.repo),
    agentId: String(r.agent_id),
    tier: Number(r.tier),
    cleanStreak: Number(r.clean_streak),
    revoked: Boolean(r.revoked),
    reason: (r.reason as string | null) ?? null,
    updatedAt: r.updated_at as Date,
  };
}

function toApproval(r: Record<string, unknown>): Approval {
  return {
    runId: String(r.run_id),
    forge: r.forge as Forge,
    repo: String(r.repo),
    prNumber: r.pr_number === null || r.pr_number === undefined ? null : Number(r.pr_number),
    failureKey: (r.failure_key as string | null) ?? null,
    fingerprint: String(r.fingerprint),
    rule: String(r.rule),
    message: String(r.message),
    status: r.status as ApprovalStatus,
    requestedAt: r.requested_at as Date,
    expiresAt: r.expires_at as Date,
    decidedBy: (r.decided_by as string | null) ?? null,
    decidedVia: (r.decided_via as string | null) ?? null,
  };
}
