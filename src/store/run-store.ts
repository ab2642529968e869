import { appendLedger, appendLedgerIn, jsonForPostgres } from "../ledger/index.js";
import type { Database } from "./database.js";
import { OrderedWrites } from "./ordered-writes.js";
import { acquireLease, releaseLease, renewLease, takeOverLease } from "./lease-queries.js";
import type { Forge } from "./records.js";

export type RunPhase = "BOOTSTRAP" | "PREFLIGHT" | "PLAN" | "EXECUTE" | "VERIFY" | "PACKAGE" | "REPORT" | "EXIT";

export interface StoredPullRequest {
  readonly forge: Forge;
  readonly repo: string;
  readonly headBranch: string;
  readonly number: number;
  readonly url: string | null;
  readonly baseBranch: string;
  readonly title: string;
  readonly body: string;
  readonly state: string;
  readonly runId: string | null;
  readonly fingerprint: string | null;
  /** `fix`: a pull request Sentinel opened; `push`: a human's pull request Sentinel pushed a fix onto. */
  readonly kind?: "fix" | "push";
  readonly agentId?: string | null;
  readonly commitSha?: string | null;
}

/** What the governed fix pipeline persists: runs and their phases, the ledger, leases, PRs, revocations. */
export class RunStore {
  /** Ledger writes and phase changes in call order; `note` and `noteTransition` are not waited for. */
  private readonly writes = new OrderedWrites();

  constructor(readonly db: Database) {}

  /** Queues a ledger entry that nothing waits on (what a run saw and did, not an intent before an act). */
  note(runId: string | null, kind: string, data: Record<string, unknown>): void {
    this.writes.later(runId, () => appendLedger(this.db, [{ runId, kind, data }]));
  }

  /** `transition`, queued: the phase is persisted (and the heart beats) while the run goes on. */
  noteTransition(runId: string, phase: RunPhase, data: Record<string, unknown> = {}): void {
    this.writes.later(runId, () => this.writeTransition(runId, phase, data));
  }

  async startRun(r: {
    runId: string;
    runKey: string;
    forge: Forge;
    repo: string;
    fingerprint: string;
    failureKey?: string | null;
    sha?: string | null;
    prNumber?: number | null;
    manual?: boolean;
  }): Promise<void> {
    await this.db.query(
      "INSERT INTO runs (run_id, run_key, forge, repo, fingerprint, failure_key, phase, sha, pr_number, manual) VALUES ($1, $2, $3, $4, $5, $6, 'BOOTSTRAP', $7, $8, $9)",
      [
        r.runId,
        r.runKey,
        r.forge,
        r.repo,
        r.fingerprint,
        r.failureKey ?? null,
        r.sha ?? null,
        r.prNumber ?? null,
        r.manual ?? false,
      ],
    );
  }

  /**
   * Takes a run that waited for approval back into work: only a run in `approved` state, once,
   * so a redelivered resume job does nothing twice.
   */
  async resumeRun(runId: string, failureKey: string | null): Promise<boolean> {
    const { rowCount } = await this.db.query(
      "UPDATE runs SET status = 'running', heartbeat_at = now(), finished_at = NULL WHERE run_id = $1 AND status = 'approved' AND failure_key IS NOT DISTINCT FROM $2",
      [runId, failureKey],
    );
    if (rowCount === 1) await this.record(runId, "run.resumed", {});
    return rowCount === 1;
  }

  /** Sets a finished or parked run's status (approval decided, expired). */
  async setRunStatus(runId: string, status: string, from: readonly string[]): Promise<boolean> {
    const { rowCount } = await this.db.query(
      "UPDATE runs SET status = $2 WHERE run_id = $1 AND status = ANY($3::text[])",
      [runId, status, [...from]],
    );
    return rowCount === 1;
  }

  /** Marks a fix pull request merged or closed (from the forge's pull_request event). */
  async setPullRequestState(
    forge: Forge,
    repo: string,
    number: number,
    state: "open" | "closed" | "merged",
  ): Promise<StoredPullRequest | null> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      "UPDATE pull_requests SET state = $4, updated_at = now() WHERE forge = $1 AND repo = $2 AND number = $3 RETURNING *",
      [forge, repo, number, state],
    );
    return rows[0] ? toPullRequest(rows[0]) : null;
  }

  async findPullRequestByNumber(forge: Forge, repo: string, number: number): Promise<StoredPullRequest | null> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM pull_requests WHERE forge = $1 AND repo = $2 AND number = $3 ORDER BY updated_at DESC LIMIT 1",
      [forge, repo, number],
    );
    return rows[0] ? toPullRequest(rows[0]) : null;
  }

  /** Commits Sentinel itself pushed to a branch: anything else on it is a human's. */
  async pushedCommits(forge: Forge, repo: string, branch: string): Promise<Set<string>> {
    const { rows } = await this.db.query<{ commit: string }>(
      "SELECT l.data->>'commit' AS commit FROM ledger l JOIN runs r ON r.run_id = l.run_id WHERE l.kind = 'pushed' AND r.forge = $1 AND r.repo = $2 AND l.data->>'branch' = $3",
      [forge, repo, branch],
    );
    return new Set(rows.map((r) => r.commit).filter(Boolean));
  }

  /** Persists a phase transition (and beats the heart); the ledger gets the same step. */
  async transition(runId: string, phase: RunPhase, data: Record<string, unknown> = {}): Promise<void> {
    await this.writes.now(runId, () => this.writeTransition(runId, phase, data));
  }

  private async writeTransition(runId: string, phase: RunPhase, data: Record<string, unknown>): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query("UPDATE runs SET phase = $2, heartbeat_at = now() WHERE run_id = $1", [runId, phase]);
      await appendLedgerIn(tx, [{ runId, kind: `phase.${phase}`, data }]);
    });
  }

  /** Appends to the ledger after every write queued before it, and waits until it is written. */
  async record(runId: string | null, kind: string, data: Record<string, unknown>): Promise<void> {
    await this.writes.now(runId, () => appendLedger(this.db, [{ runId, kind, data }]));
  }

  async setRunFields(
    runId: string,
    fields: { agentId?: string; packet?: unknown; handoff?: unknown; action?: string },
  ): Promise<void> {
    if (fields.action !== undefined)
      await this.db.query("UPDATE runs SET action = $2 WHERE run_id = $1", [runId, fields.action]);
    if (fields.agentId !== undefined)
      await this.db.query("UPDATE runs SET agent_id = $2 WHERE run_id = $1", [runId, fields.agentId]);
    if (fields.packet !== undefined)
      await this.db.query("UPDATE runs SET packet = $2::jsonb WHERE run_id = $1", [
        runId,
        jsonForPostgres(fields.packet),
      ]);
    if (fields.handoff !== undefined)
      await this.db.query("UPDATE runs SET handoff = $2::jsonb WHERE run_id = $1", [
        runId,
        jsonForPostgres(fields.handoff),
      ]);
  }

  /** After the run's queued writes: a queued phase must not land after EXIT. */
  async finishRun(runId: string, status: string, outcome: unknown): Promise<void> {
    await this.writes.now(runId, () =>
      this.db.query(
        "UPDATE runs SET status = $2, outcome = $3::jsonb, phase = 'EXIT', finished_at = now() WHERE run_id = $1",
        [runId, status, jsonForPostgres(outcome)],
      ),
    );
  }

  async getRun(runId: string): Promise<Record<string, unknown> | null> {
    const { rows } = await this.db.query<Record<string, unknown>>("SELECT * FROM runs WHERE run_id = $1", [runId]);
    return rows[0] ?? null;
  }

  /** Runs of this key that never reached EXIT and whose heart stopped: their worker died. */
  async abandonStaleRuns(runKey: string, staleAfterMs: number): Promise<string[]> {
    const { rows } = await this.db.query<{ run_id: string }>(
      `UPDATE runs SET status = 'abandoned', finished_at = now() WHERE run_key = $1 AND status = 'running'
       AND heartbeat_at < now() - ($2 || ' milliseconds')::interval RETURNING run_id`,
      [runKey, String(staleAfterMs)],
    );
    for (const r of rows)
      await this.record(r.run_id, "run.abandoned", {
        reason: "its worker stopped beating; the run left nothing behind and starts again",
      });
    return rows.map((r) => r.run_id);
  }

  async ledger(runId: string): Promise<Array<{ kind: string; data: Record<string, unknown> }>> {
    const { rows } = await this.db.query<{ kind: string; data: Record<string, unknown> }>(
      "SELECT kind, data FROM ledger WHERE run_id = $1 ORDER BY seq",
      [runId],
    );
    return rows;
  }

  async findPullRequest(forge: Forge, repo: string, headBranch: string): Promise<StoredPullRequest | null> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM pull_requests WHERE forge = $1 AND repo = $2 AND head_branch = $3",
      [forge, repo, headBranch],
    );
    const r = rows[0];
    return r ? toPullRequest(r) : null;
  }

  async findPullRequestByFingerprint(
    forge: Forge,
    repo: string,
    fingerprint: string,
  ): Promise<StoredPullRequest | null> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM pull_requests WHERE forge = $1 AND repo = $2 AND fingerprint = $3 AND state = 'open' ORDER BY updated_at DESC LIMIT 1",
      [forge, repo, fingerprint],
    );
    const r = rows[0];
    return r ? toPullRequest(r) : null;
  }

  async listPullRequests(forge: Forge, repo: string): Promise<StoredPullRequest[]> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM pull_requests WHERE forge = $1 AND repo = $2 ORDER BY created_at",
      [forge, repo],
    );
    return rows.map(toPullRequest);
  }

  /** One row per head branch: a second fix of the same fingerprint updates the first's record. */
  async upsertPullRequest(pr: StoredPullRequest): Promise<void> {
    await this.db.query(
      `INSERT INTO pull_requests (forge, repo, head_branch, number, url, base_branch, title, body, state, run_id, fingerprint, kind, agent_id, commit_sha)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (forge, repo, head_branch) DO UPDATE SET number = EXCLUDED.number, title = EXCLUDED.title, body = EXCLUDED.body, state = EXCLUDED.state,
         run_id = EXCLUDED.run_id, url = EXCLUDED.url, kind = EXCLUDED.kind, agent_id = COALESCE(EXCLUDED.agent_id, pull_requests.agent_id),
         commit_sha = COALESCE(EXCLUDED.commit_sha, pull_requests.commit_sha), updated_at = now()`,
      [
        pr.forge,
        pr.repo,
        pr.headBranch,
        pr.number,
        pr.url,
        pr.baseBranch,
        pr.title,
        pr.body,
        pr.state,
        pr.runId,
        pr.fingerprint,
        pr.kind ?? "fix",
        pr.agentId ?? null,
        pr.commitSha ?? null,
      ],
    );
  }

  async nextLocalPullNumber(repo: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number | string | null }>(
      "SELECT max(number) AS n FROM pull_requests WHERE forge = 'local' AND repo = $1",
      [repo],
    );
    return Number(rows[0]?.n ?? 0) + 1;
  }

  /** Revokes an agent in a repository (its tier row says so; a maintainer's resume restores it). */
  async revokeAgent(forge: Forge, repo: string, agentId: string, reason: string, runId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ tier: number; revoked: boolean }>(
        "SELECT tier, revoked FROM agent_tiers WHERE forge = $1 AND repo = $2 AND agent_id = $3 FOR UPDATE",
        [forge, repo, agentId],
      );
      await tx.query(
        `INSERT INTO agent_tiers (forge, repo, agent_id, tier, clean_streak, revoked, reason) VALUES ($1, $2, $3, 0, 0, true, $4)
         ON CONFLICT (forge, repo, agent_id) DO UPDATE SET revoked = true, clean_streak = 0, reason = EXCLUDED.reason, updated_at = now()`,
        [forge, repo, agentId, reason],
      );
      if (!rows[0]?.revoked) {
        await appendLedgerIn(tx, [
          {
            runId,
            kind: "tier.changed",
            data: {
              forge,
              repo,
              agent: agentId,
              from: rows[0] ? Number(rows[0].tier) : null,
              to: "revoked",
              reason,
              runId,
              cause: "error budget exceeded",
            },
          },
        ]);
      }
    });
  }

  async revokedAgents(forge: Forge, repo: string): Promise<string[]> {
    const { rows } = await this.db.query<{ agent_id: string }>(
      "SELECT agent_id FROM agent_tiers WHERE forge = $1 AND repo = $2 AND revoked ORDER BY agent_id",
      [forge, repo],
    );
    return rows.map((r) => r.agent_id);
  }

  /** A live run's heartbeat: one that stops beating for three beats is taken for dead. */
  async beat(runId: string): Promise<void> {
    await this.db.query("UPDATE runs SET heartbeat_at = now() WHERE run_id = $1", [runId]);
  }

  /** Parks a run that needs a human: waiting in PREFLIGHT, where an approval starts it again. */
  async parkRun(runId: string, outcome: unknown): Promise<void> {
    await this.writes.now(runId, () =>
      this.db.query("UPDATE runs SET status = 'waiting', phase = 'PREFLIGHT', outcome = $2::jsonb WHERE run_id = $1", [
        runId,
        jsonForPostgres(outcome),
      ]),
    );
  }

  /** Abandons one run, only while it is still marked running; true when this call did it. */
  async abandonRun(runId: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      "UPDATE runs SET status = 'abandoned', finished_at = now() WHERE run_id = $1 AND status = 'running'",
      [runId],
    );
    return rowCount === 1;
  }

  /** Other runs of this key and failure still marked running whose heart stopped `deadAfterMs` ago, oldest first. */
  async deadRunsOf(runKey: string, failureKey: string, exceptRunId: string, deadAfterMs: number): Promise<string[]> {
    const { rows } = await this.db.query<{ run_id: string }>(
      `SELECT run_id FROM runs WHERE run_key = $1 AND failure_key = $2 AND run_id <> $3 AND status = 'running'
       AND heartbeat_at < now() - ($4 || ' milliseconds')::interval ORDER BY started_at`,
      [runKey, failureKey, exceptRunId, String(deadAfterMs)],
    );
    return rows.map((r) => r.run_id);
  }

  /** Every run, of any key, still marked running whose heart stopped: marked abandoned, their ids returned. */
  async abandonDeadRuns(staleAfterMs: number): Promise<string[]> {
    const { rows } = await this.db.query<{ run_id: string }>(
      `UPDATE runs SET status = 'abandoned', finished_at = now() WHERE status = 'running'
       AND heartbeat_at < now() - ($1 || ' milliseconds')::interval RETURNING run_id`,
      [String(staleAfterMs)],
    );
    return rows.map((r) => r.run_id);
  }

  /**
   * Fix runs of a repository that got past the gate (an action was decided), optionally on one
   * commit or fingerprint, other than `runId`, and not counting `failureKey`'s own runs that were
   * abandoned or threw (see the fix job's policy gate for why).
   */
  async attemptsBefore(
    forge: Forge,
    repo: string,
    where: { sha?: string; fingerprint?: string },
    runId: string,
    failureKey: string,
  ): Promise<{ count: number; last: Date | null }> {
    const { rows } = await this.db.query<{ n: number | string; last: Date | null }>(
      `SELECT count(*) AS n, max(started_at) AS last FROM runs WHERE forge = $1 AND repo = $2 AND action IS NOT NULL
       AND ($3::text IS NULL OR sha = $3) AND ($4::text IS NULL OR fingerprint = $4) AND run_id <> $5
       AND NOT (status IN ('abandoned', 'error') AND failure_key IS NOT DISTINCT FROM $6)`,
      [forge, repo, where.sha ?? null, where.fingerprint ?? null, runId, failureKey],
    );
    return { count: Number(rows[0]?.n ?? 0), last: rows[0]?.last ?? null };
  }

  acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return acquireLease(this.db, key, owner, ttlMs);
  }
  renewLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return renewLease(this.db, key, owner, ttlMs);
  }
  releaseLease(key: string, owner: string): Promise<void> {
    return releaseLease(this.db, key, owner);
  }
  takeOverLease(key: string, from: string, to: string, ttlMs: number): Promise<boolean> {
    return takeOverLease(this.db, key, from, to, ttlMs);
  }
}

function toPullRequest(r: Record<string, unknown>): StoredPullRequest {
  return {
    forge: r.forge as Forge,
    repo: String(r.repo),
    headBranch: String(r.head_branch),
    number: Number(r.number),
    url: (r.url as string | null) ?? null,
    baseBranch: String(r.base_branch),
    title: String(r.title),
    body: String(r.body),
    state: String(r.state),
    runId: (r.run_id as string | null) ?? null,
    fingerprint: (r.fingerprint as string | null) ?? null,
    kind: r.kind === "push" ? "push" : "fix",
    agentId: (r.agent_id as string | null) ?? null,
    commitSha: (r.commit_sha as string | null) ?? null,
  };
}
