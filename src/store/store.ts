import { appendLedger, appendLedgerIn, jsonForPostgres, lockLedgerIn } from "../ledger/index.js";
import type { Diagnosis } from "../sentinel/index.js";
import type { Database } from "./database.js";

export type Forge = "github" | "gitlab" | "local";

export interface DeliveryRecord {
  readonly deliveryKey: string;
  readonly forge: Forge;
  readonly event: string;
  readonly action?: string | null;
  readonly installationId?: string | null;
  readonly repo?: string | null;
  readonly payload: unknown;
  /**
   * The payload's JSON text exactly as it arrived, when the caller has it: stored as it is (when
   * PostgreSQL can keep it) instead of serialising `payload` again, which costs as much as parsing.
   */
  readonly payloadText?: string;
}

export interface PullRequestRef {
  readonly number: number;
  readonly fromFork: boolean;
}

/** One failed CI job (or check), however many event kinds reported it. */
export interface FailureRecord {
  readonly failureKey: string;
  readonly forge: Forge;
  /** The event kind that first reported it. */
  readonly source: string;
  readonly repo: string;
  readonly repoId: string;
  readonly installationId?: string | null;
  readonly sha: string;
  readonly ref?: string | null;
  readonly jobId?: string | null;
  readonly jobName: string;
  readonly runId?: string | null;
  readonly runAttempt?: number | null;
  readonly jobUrl?: string | null;
  readonly pullRequests: readonly PullRequestRef[];
  readonly fromFork: boolean;
  /** Forge-specific details the worker needs (check output, GitLab project path…). */
  readonly context: Readonly<Record<string, unknown>>;
  readonly firstDelivery: string;
}

export interface StoredFailure extends FailureRecord {
  readonly status: "pending" | "diagnosed" | "ignored" | "error";
  readonly error: string | null;
  /** When its annotations went onto the commit's report (they are added once). */
  readonly reportedAt: Date | null;
}

export interface FingerprintHistory {
  readonly occurrences: number;
  readonly commits: number;
  readonly firstSeen: Date | null;
  readonly otherRepos: number;
}

/**
 * Everything Sentinel stores about ingestion, over either database. Writes that must not happen
 * twice (a delivery, a failure) are single INSERT … ON CONFLICT DO NOTHING statements, so two
 * workers racing on the same work cannot both win.
 */
export class Store {
  constructor(readonly db: Database) {}

  /** Records a delivery; false when this delivery key was recorded before (a redelivery). */
  async recordDelivery(d: DeliveryRecord): Promise<boolean> {
    return (await this.recordDeliveries([d])).has(d.deliveryKey);
  }

  /**
   * Records deliveries that arrived together in one statement (one commit, so one WAL flush for
   * all of them) and returns the keys that were new. A key recorded before, or repeated within
   * `deliveries`, is recorded once: its later copies are redeliveries.
   */
  async recordDeliveries(deliveries: readonly DeliveryRecord[]): Promise<Set<string>> {
    const firsts = new Map<string, DeliveryRecord>();
    for (const d of deliveries) if (!firsts.has(d.deliveryKey)) firsts.set(d.deliveryKey, d);
    if (firsts.size === 0) return new Set();
    const params: unknown[] = [];
    const rows: string[] = [];
    for (const d of firsts.values()) {
      const n = params.push(d.deliveryKey, d.forge, d.event, d.action ?? null, d.installationId ?? null, d.repo ?? null, storablePayload(d));
      rows.push(`($${n - 6}, $${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n}::json)`);
    }
    const { rows: inserted } = await this.db.query<{ delivery_key: string }>(
      `INSERT INTO deliveries (delivery_key, forge, event, action, installation_id, repo, payload)
       VALUES ${rows.join(", ")} ON CONFLICT (delivery_key) DO NOTHING RETURNING delivery_key`,
      params,
    );
    return new Set(inserted.map((r) => r.delivery_key));
  }

  /**
   * Writes a `delivery.accepted` ledger entry (key, forge, event, action, repository; never the
   * payload) for up to `limit` recorded deliveries that have none yet, oldest first, and marks each
   * with its entry's place in the chain; returns how many. A delivery's row is its acceptance (the
   * sender got its 2xx once it was written); its entry follows within a round of the delivery
   * ledger (startDeliveryLedger) and, should the process die first, in the next process's. Entries
   * are appended in batches because the chain is one lock: an append per webhook request, on the
   * path GitHub waits on, serialised every recording and cost 40% of the ingest rate.
   */
  async ledgerAcceptedDeliveries(limit = 1000): Promise<number> {
    return this.db.transaction(async (tx) => {
      await lockLedgerIn(tx);
      const { rows } = await tx.query<{ delivery_key: string; forge: string; event: string; action: string | null; repo: string | null; received_at: Date }>(
        "SELECT delivery_key, forge, event, action, repo, received_at FROM deliveries WHERE ledger_seq IS NULL ORDER BY received_at, delivery_key LIMIT $1",
        [limit],
      );
      if (rows.length === 0) return 0;
      const written = await appendLedgerIn(
        tx,
        rows.map((r) => ({ runId: null, kind: "delivery.accepted", data: { delivery: r.delivery_key, forge: r.forge, event: r.event, action: r.action, repo: r.repo, receivedAt: new Date(r.received_at).toISOString() } })),
      );
      await tx.query("UPDATE deliveries d SET ledger_seq = x.seq FROM unnest($1::text[], $2::bigint[]) AS x(key, seq) WHERE d.delivery_key = x.key", [rows.map((r) => r.delivery_key), written.map((e) => e.seq)]);
      return rows.length;
    });
  }

  async markEnqueued(deliveryKey: string): Promise<void> {
    await this.markEnqueuedMany([deliveryKey]);
  }

  /** Marks deliveries as handed to the queue (one statement for a batch), so the sweeper leaves them alone. */
  async markEnqueuedMany(deliveryKeys: readonly string[]): Promise<void> {
    if (deliveryKeys.length === 0) return;
    await this.db.query("UPDATE deliveries SET enqueued_at = now() WHERE delivery_key = ANY($1::text[]) AND enqueued_at IS NULL", [deliveryKeys]);
  }

  /**
   * Deletes deliveries processed more than `days` days ago, at most `batch` rows a statement,
   * until none is left; returns how many went. A delivery not yet processed stays whatever its
   * age: its payload is all there is of it. Failures, diagnoses, runs and the ledger keep what
   * was learnt from the deleted ones. Forges redeliver for days, not weeks (GitHub: 3), so a
   * redelivery still finds its key while it can come.
   */
  async pruneDeliveries(days: number, batch = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      const { rows } = await this.db.query<{ n: number | string }>(
        `WITH gone AS (
           DELETE FROM deliveries WHERE delivery_key IN (
             SELECT delivery_key FROM deliveries
             WHERE processed_at IS NOT NULL AND ledger_seq IS NOT NULL AND received_at < now() - make_interval(secs => $1::double precision)
             LIMIT $2)
           RETURNING 1)
         SELECT count(*) AS n FROM gone`,
        [days * 86_400, batch],
      );
      const n = Number(rows[0]?.n ?? 0);
      total += n;
      if (n < batch) return total;
    }
  }

  async markProcessed(deliveryKey: string, outcome: string): Promise<void> {
    await this.db.query("UPDATE deliveries SET processed_at = now(), outcome = $2 WHERE delivery_key = $1", [deliveryKey, outcome]);
  }

  async getDelivery(deliveryKey: string): Promise<(DeliveryRecord & { enqueuedAt: Date | null; processedAt: Date | null; outcome: string | null }) | null> {
    const { rows } = await this.db.query<Record<string, unknown>>("SELECT * FROM deliveries WHERE delivery_key = $1", [deliveryKey]);
    const r = rows[0];
    if (!r) return null;
    return {
      deliveryKey: String(r.delivery_key),
      forge: r.forge as Forge,
      event: String(r.event),
      action: (r.action as string | null) ?? null,
      installationId: (r.installation_id as string | null) ?? null,
      repo: (r.repo as string | null) ?? null,
      payload: r.payload,
      enqueuedAt: (r.enqueued_at as Date | null) ?? null,
      processedAt: (r.processed_at as Date | null) ?? null,
      outcome: (r.outcome as string | null) ?? null,
    };
  }

  /** Deliveries recorded but never handed to the queue (the process died in between). */
  async deliveriesNotEnqueued(olderThanMs: number, limit = 100): Promise<string[]> {
    const { rows } = await this.db.query<{ delivery_key: string }>(
      `SELECT delivery_key FROM deliveries WHERE enqueued_at IS NULL AND received_at < now() - ($1 || ' milliseconds')::interval
       ORDER BY received_at LIMIT $2`,
      [String(olderThanMs), limit],
    );
    return rows.map((r) => r.delivery_key);
  }

  /** Deliveries queued but never processed, oldest first (their job was lost). */
  async deliveriesNotProcessed(olderThanMs: number, limit = 100): Promise<string[]> {
    const { rows } = await this.db.query<{ delivery_key: string }>(
      `SELECT delivery_key FROM deliveries WHERE enqueued_at IS NOT NULL AND processed_at IS NULL
       AND enqueued_at < now() - ($1 || ' milliseconds')::interval ORDER BY enqueued_at LIMIT $2`,
      [String(olderThanMs), limit],
    );
    return rows.map((r) => r.delivery_key);
  }

  async addInstallationRepos(forge: Forge, installationId: string, repos: ReadonlyArray<{ id: string; fullName: string }>): Promise<void> {
    for (const r of repos) {
      await this.db.query(
        `INSERT INTO installations (forge, installation_id, repo_id, repo) VALUES ($1, $2, $3, $4)
         ON CONFLICT (forge, installation_id, repo_id) DO UPDATE SET repo = EXCLUDED.repo`,
        [forge, installationId, r.id, r.fullName],
      );
    }
  }

  async removeInstallationRepos(forge: Forge, installationId: string, repoIds?: readonly string[]): Promise<void> {
    if (repoIds) {
      for (const id of repoIds) await this.db.query("DELETE FROM installations WHERE forge = $1 AND installation_id = $2 AND repo_id = $3", [forge, installationId, id]);
    } else {
      await this.db.query("DELETE FROM installations WHERE forge = $1 AND installation_id = $2", [forge, installationId]);
    }
  }

  async installedRepos(forge: Forge): Promise<string[]> {
    const { rows } = await this.db.query<{ repo: string }>("SELECT repo FROM installations WHERE forge = $1 ORDER BY repo", [forge]);
    return rows.map((r) => r.repo);
  }

  /** Records a failure once; false when another event kind (or a redelivery) recorded it first. */
  async recordFailure(f: FailureRecord): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO failures (failure_key, forge, source, repo, repo_id, installation_id, sha, ref, job_id, job_name, run_id, run_attempt,
         job_url, pull_requests, from_fork, context, first_delivery)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15, $16::jsonb, $17)
       ON CONFLICT (failure_key) DO NOTHING`,
      [
        f.failureKey, f.forge, f.source, f.repo, f.repoId, f.installationId ?? null, f.sha, f.ref ?? null, f.jobId ?? null, f.jobName,
        f.runId ?? null, f.runAttempt ?? null, f.jobUrl ?? null, JSON.stringify(f.pullRequests), f.fromFork, jsonForPostgres(f.context), f.firstDelivery,
      ],
    );
    return rowCount === 1;
  }

  async getFailure(failureKey: string): Promise<StoredFailure | null> {
    const { rows } = await this.db.query<Record<string, unknown>>("SELECT * FROM failures WHERE failure_key = $1", [failureKey]);
    const r = rows[0];
    return r ? toFailure(r) : null;
  }

  async failuresOnCommit(forge: Forge, repo: string, sha: string): Promise<StoredFailure[]> {
    const { rows } = await this.db.query<Record<string, unknown>>("SELECT * FROM failures WHERE forge = $1 AND repo = $2 AND sha = $3 ORDER BY created_at", [forge, repo, sha]);
    return rows.map(toFailure);
  }

  async setFailureStatus(failureKey: string, status: StoredFailure["status"], error: string | null = null): Promise<void> {
    await this.db.query("UPDATE failures SET status = $2, error = $3, updated_at = now() WHERE failure_key = $1", [failureKey, status, error]);
  }

  async markReported(failureKey: string): Promise<void> {
    await this.db.query("UPDATE failures SET reported_at = now() WHERE failure_key = $1 AND reported_at IS NULL", [failureKey]);
  }

  async recordJobOutcome(o: { forge: Forge; repo: string; sha: string; jobName: string; jobId: string; conclusion: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO job_outcomes (forge, repo, sha, job_name, job_id, conclusion) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (forge, repo, job_id) DO UPDATE SET conclusion = EXCLUDED.conclusion`,
      [o.forge, o.repo, o.sha, o.jobName, o.jobId, o.conclusion],
    );
  }

  /** A job that both passed and failed on the same commit is flaky: the code did not change. */
  async isFlaky(forge: Forge, repo: string, sha: string, jobName: string): Promise<boolean> {
    const { rows } = await this.db.query<{ conclusion: string }>(
      "SELECT DISTINCT conclusion FROM job_outcomes WHERE forge = $1 AND repo = $2 AND sha = $3 AND job_name = $4",
      [forge, repo, sha, jobName],
    );
    const seen = new Set(rows.map((r) => r.conclusion));
    return seen.has("success") && seen.has("failure");
  }

  /**
   * Stores the failure's diagnosis and writes it to the ledger in one transaction: the
   * fingerprint, category, tool, the rule behind the primary finding and the first error line,
   * so every report or fix that follows can be traced to the log line and rule that caused it.
   */
  async saveDiagnosis(failure: FailureRecord, d: Diagnosis, flaky: boolean): Promise<void> {
    await this.db.transaction(async (tx) => {
      await lockLedgerIn(tx);
      await this.saveDiagnosisIn(tx, failure, d, flaky);
      const primary = d.findings.find((f) => f.logLine === d.firstErrorLine?.lineNumber) ?? d.findings[0];
      await appendLedgerIn(tx, [
        {
          runId: null,
          kind: "diagnosis",
          data: {
            failure: failure.failureKey,
            forge: failure.forge,
            repo: failure.repo,
            sha: failure.sha,
            job: failure.jobName,
            status: d.status,
            fingerprint: d.fingerprint,
            category: d.category,
            tool: d.tool,
            confidence: d.confidence,
            rule: primary ? `${primary.sentinelId}/${primary.ruleId}` : null,
            evidence: d.firstErrorLine ? { line: d.firstErrorLine.lineNumber, text: d.firstErrorLine.text.slice(0, 500) } : null,
            flaky,
            truncated: d.stats.truncated,
          },
        },
      ]);
    });
  }

  private async saveDiagnosisIn(tx: Pick<Database, "query">, failure: FailureRecord, d: Diagnosis, flaky: boolean): Promise<void> {
    await tx.query(
      `INSERT INTO diagnoses (failure_key, forge, repo, sha, fingerprint, status, category, tool, confidence, summary, flaky, truncated, diagnosis)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb)
       ON CONFLICT (failure_key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, status = EXCLUDED.status, category = EXCLUDED.category,
         tool = EXCLUDED.tool, confidence = EXCLUDED.confidence, summary = EXCLUDED.summary, flaky = EXCLUDED.flaky,
         truncated = EXCLUDED.truncated, diagnosis = EXCLUDED.diagnosis`,
      [failure.failureKey, failure.forge, failure.repo, failure.sha, d.fingerprint, d.status, d.category, d.tool, d.confidence, d.summary.replace(/\u0000/g, "\uFFFD"), flaky, d.stats.truncated, jsonForPostgres(d)],
    );
  }

  async getDiagnosis(failureKey: string): Promise<{ diagnosis: Diagnosis; flaky: boolean } | null> {
    const { rows } = await this.db.query<{ diagnosis: Diagnosis; flaky: boolean }>("SELECT diagnosis, flaky FROM diagnoses WHERE failure_key = $1", [failureKey]);
    return rows[0] ?? null;
  }

  /** Has this fingerprint been seen before, and where: the question the fingerprint index answers. */
  async fingerprintHistory(forge: Forge, repo: string, fingerprint: string): Promise<FingerprintHistory> {
    const { rows } = await this.db.query<{ occurrences: string | number; commits: string | number; first_seen: Date | null }>(
      `SELECT count(*) AS occurrences, count(DISTINCT sha) AS commits, min(created_at) AS first_seen
       FROM diagnoses WHERE forge = $1 AND repo = $2 AND fingerprint = $3`,
      [forge, repo, fingerprint],
    );
    const { rows: others } = await this.db.query<{ n: string | number }>(
      "SELECT count(DISTINCT repo) AS n FROM diagnoses WHERE fingerprint = $1 AND NOT (forge = $2 AND repo = $3)",
      [fingerprint, forge, repo],
    );
    const r = rows[0];
    return { occurrences: Number(r?.occurrences ?? 0), commits: Number(r?.commits ?? 0), firstSeen: r?.first_seen ?? null, otherRepos: Number(others[0]?.n ?? 0) };
  }

  async diagnosesForPullRequest(forge: Forge, repo: string, prNumber: number): Promise<Array<{ failure: StoredFailure; diagnosis: Diagnosis; flaky: boolean }>> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT f.*, d.diagnosis AS d_diagnosis, d.flaky AS d_flaky FROM failures f JOIN diagnoses d ON d.failure_key = f.failure_key
       WHERE f.forge = $1 AND f.repo = $2 AND f.pull_requests @> $3::jsonb ORDER BY f.created_at`,
      [forge, repo, JSON.stringify([{ number: prNumber }])],
    );
    return rows.map((r) => ({ failure: toFailure(r), diagnosis: r.d_diagnosis as Diagnosis, flaky: Boolean(r.d_flaky) }));
  }

  async getCommitReport(forge: Forge, repo: string, sha: string): Promise<string | null> {
    const { rows } = await this.db.query<{ report_id: string }>("SELECT report_id FROM commit_reports WHERE forge = $1 AND repo = $2 AND sha = $3", [forge, repo, sha]);
    return rows[0]?.report_id ?? null;
  }

  async setCommitReport(forge: Forge, repo: string, sha: string, reportId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO commit_reports (forge, repo, sha, report_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (forge, repo, sha) DO UPDATE SET report_id = EXCLUDED.report_id, updated_at = now()`,
      [forge, repo, sha, reportId],
    );
  }

  async setPullRequests(failureKey: string, prs: readonly PullRequestRef[], fromFork: boolean): Promise<void> {
    await this.db.query("UPDATE failures SET pull_requests = $2::jsonb, from_fork = $3, updated_at = now() WHERE failure_key = $1", [failureKey, JSON.stringify(prs), fromFork]);
  }

  async diagnosesOnCommit(forge: Forge, repo: string, sha: string): Promise<Array<{ failure: StoredFailure; diagnosis: Diagnosis; flaky: boolean }>> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT f.*, d.diagnosis AS d_diagnosis, d.flaky AS d_flaky FROM failures f JOIN diagnoses d ON d.failure_key = f.failure_key
       WHERE f.forge = $1 AND f.repo = $2 AND f.sha = $3 ORDER BY f.created_at`,
      [forge, repo, sha],
    );
    return rows.map((r) => ({ failure: toFailure(r), diagnosis: r.d_diagnosis as Diagnosis, flaky: Boolean(r.d_flaky) }));
  }

  async getStickyComment(forge: Forge, repo: string, prNumber: number): Promise<string | null> {
    const { rows } = await this.db.query<{ comment_id: string }>("SELECT comment_id FROM sticky_comments WHERE forge = $1 AND repo = $2 AND pr_number = $3", [forge, repo, prNumber]);
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


function toFailure(r: Record<string, unknown>): StoredFailure {
  return {
    failureKey: String(r.failure_key),
    forge: r.forge as Forge,
    source: String(r.source),
    repo: String(r.repo),
    repoId: String(r.repo_id),
    installationId: (r.installation_id as string | null) ?? null,
    sha: String(r.sha),
    ref: (r.ref as string | null) ?? null,
    jobId: (r.job_id as string | null) ?? null,
    jobName: String(r.job_name),
    runId: (r.run_id as string | null) ?? null,
    runAttempt: r.run_attempt === null || r.run_attempt === undefined ? null : Number(r.run_attempt),
    jobUrl: (r.job_url as string | null) ?? null,
    pullRequests: (r.pull_requests as PullRequestRef[]) ?? [],
    fromFork: Boolean(r.from_fork),
    context: (r.context as Record<string, unknown>) ?? {},
    firstDelivery: String(r.first_delivery),
    status: r.status as StoredFailure["status"],
    error: (r.error as string | null) ?? null,
    reportedAt: (r.reported_at as Date | null) ?? null,
  };
}

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
  constructor(readonly db: Database) {}

  async startRun(r: { runId: string; runKey: string; forge: Forge; repo: string; fingerprint: string; failureKey?: string | null; sha?: string | null; prNumber?: number | null; manual?: boolean }): Promise<void> {
    await this.db.query(
      "INSERT INTO runs (run_id, run_key, forge, repo, fingerprint, failure_key, phase, sha, pr_number, manual) VALUES ($1, $2, $3, $4, $5, $6, 'BOOTSTRAP', $7, $8, $9)",
      [r.runId, r.runKey, r.forge, r.repo, r.fingerprint, r.failureKey ?? null, r.sha ?? null, r.prNumber ?? null, r.manual ?? false],
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
    const { rowCount } = await this.db.query("UPDATE runs SET status = $2 WHERE run_id = $1 AND status = ANY($3::text[])", [runId, status, [...from]]);
    return rowCount === 1;
  }

  /** Marks a fix pull request merged or closed (from the forge's pull_request event). */
  async setPullRequestState(forge: Forge, repo: string, number: number, state: "open" | "closed" | "merged"): Promise<StoredPullRequest | null> {
    const { rows } = await this.db.query<Record<string, unknown>>("UPDATE pull_requests SET state = $4, updated_at = now() WHERE forge = $1 AND repo = $2 AND number = $3 RETURNING *", [forge, repo, number, state]);
    return rows[0] ? toPullRequest(rows[0]) : null;
  }

  async findPullRequestByNumber(forge: Forge, repo: string, number: number): Promise<StoredPullRequest | null> {
    const { rows } = await this.db.query<Record<string, unknown>>("SELECT * FROM pull_requests WHERE forge = $1 AND repo = $2 AND number = $3 ORDER BY updated_at DESC LIMIT 1", [forge, repo, number]);
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
    await this.db.transaction(async (tx) => {
      await tx.query("UPDATE runs SET phase = $2, heartbeat_at = now() WHERE run_id = $1", [runId, phase]);
      await appendLedgerIn(tx, [{ runId, kind: `phase.${phase}`, data }]);
    });
  }

  async record(runId: string | null, kind: string, data: Record<string, unknown>): Promise<void> {
    await appendLedger(this.db, [{ runId, kind, data }]);
  }

  async setRunFields(runId: string, fields: { agentId?: string; packet?: unknown; handoff?: unknown; action?: string }): Promise<void> {
    if (fields.action !== undefined) await this.db.query("UPDATE runs SET action = $2 WHERE run_id = $1", [runId, fields.action]);
    if (fields.agentId !== undefined) await this.db.query("UPDATE runs SET agent_id = $2 WHERE run_id = $1", [runId, fields.agentId]);
    if (fields.packet !== undefined) await this.db.query("UPDATE runs SET packet = $2::jsonb WHERE run_id = $1", [runId, jsonForPostgres(fields.packet)]);
    if (fields.handoff !== undefined) await this.db.query("UPDATE runs SET handoff = $2::jsonb WHERE run_id = $1", [runId, jsonForPostgres(fields.handoff)]);
  }

  async finishRun(runId: string, status: string, outcome: unknown): Promise<void> {
    await this.db.query("UPDATE runs SET status = $2, outcome = $3::jsonb, phase = 'EXIT', finished_at = now() WHERE run_id = $1", [runId, status, jsonForPostgres(outcome)]);
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
    for (const r of rows) await this.record(r.run_id, "run.abandoned", { reason: "its worker stopped beating; the run left nothing behind and starts again" });
    return rows.map((r) => r.run_id);
  }

  async ledger(runId: string): Promise<Array<{ kind: string; data: Record<string, unknown> }>> {
    const { rows } = await this.db.query<{ kind: string; data: Record<string, unknown> }>("SELECT kind, data FROM ledger WHERE run_id = $1 ORDER BY seq", [runId]);
    return rows;
  }

  /** A lease: held by one owner until it expires; a holder that stops renewing loses it. */
  async acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const { rows } = await this.db.query<{ owner: string }>(
      `INSERT INTO leases (lease_key, owner, expires_at) VALUES ($1, $2, now() + ($3 || ' milliseconds')::interval)
       ON CONFLICT (lease_key) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
       WHERE leases.expires_at < now() OR leases.owner = EXCLUDED.owner
       RETURNING owner`,
      [key, owner, String(ttlMs)],
    );
    return rows[0]?.owner === owner;
  }

  async renewLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const { rowCount } = await this.db.query("UPDATE leases SET expires_at = now() + ($3 || ' milliseconds')::interval WHERE lease_key = $1 AND owner = $2", [key, owner, String(ttlMs)]);
    return rowCount === 1;
  }

  async releaseLease(key: string, owner: string): Promise<void> {
    await this.db.query("DELETE FROM leases WHERE lease_key = $1 AND owner = $2", [key, owner]);
  }

  async findPullRequest(forge: Forge, repo: string, headBranch: string): Promise<StoredPullRequest | null> {
    const { rows } = await this.db.query<Record<string, unknown>>("SELECT * FROM pull_requests WHERE forge = $1 AND repo = $2 AND head_branch = $3", [forge, repo, headBranch]);
    const r = rows[0];
    return r ? toPullRequest(r) : null;
  }

  async findPullRequestByFingerprint(forge: Forge, repo: string, fingerprint: string): Promise<StoredPullRequest | null> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM pull_requests WHERE forge = $1 AND repo = $2 AND fingerprint = $3 AND state = 'open' ORDER BY updated_at DESC LIMIT 1",
      [forge, repo, fingerprint],
    );
    const r = rows[0];
    return r ? toPullRequest(r) : null;
  }

  async listPullRequests(forge: Forge, repo: string): Promise<StoredPullRequest[]> {
    const { rows } = await this.db.query<Record<string, unknown>>("SELECT * FROM pull_requests WHERE forge = $1 AND repo = $2 ORDER BY created_at", [forge, repo]);
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
      [pr.forge, pr.repo, pr.headBranch, pr.number, pr.url, pr.baseBranch, pr.title, pr.body, pr.state, pr.runId, pr.fingerprint, pr.kind ?? "fix", pr.agentId ?? null, pr.commitSha ?? null],
    );
  }

  async nextLocalPullNumber(repo: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number | string | null }>("SELECT max(number) AS n FROM pull_requests WHERE forge = 'local' AND repo = $1", [repo]);
    return Number(rows[0]?.n ?? 0) + 1;
  }

  /** Revokes an agent in a repository (its tier row says so; a maintainer's resume restores it). */
  async revokeAgent(forge: Forge, repo: string, agentId: string, reason: string, runId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ tier: number; revoked: boolean }>("SELECT tier, revoked FROM agent_tiers WHERE forge = $1 AND repo = $2 AND agent_id = $3 FOR UPDATE", [forge, repo, agentId]);
      await tx.query(
        `INSERT INTO agent_tiers (forge, repo, agent_id, tier, clean_streak, revoked, reason) VALUES ($1, $2, $3, 0, 0, true, $4)
         ON CONFLICT (forge, repo, agent_id) DO UPDATE SET revoked = true, clean_streak = 0, reason = EXCLUDED.reason, updated_at = now()`,
        [forge, repo, agentId, reason],
      );
      if (!rows[0]?.revoked) {
        await appendLedgerIn(tx, [{ runId, kind: "tier.changed", data: { forge, repo, agent: agentId, from: rows[0] ? Number(rows[0].tier) : null, to: "revoked", reason, runId, cause: "error budget exceeded" } }]);
      }
    });
  }

  async revokedAgents(forge: Forge, repo: string): Promise<string[]> {
    const { rows } = await this.db.query<{ agent_id: string }>("SELECT agent_id FROM agent_tiers WHERE forge = $1 AND repo = $2 AND revoked ORDER BY agent_id", [forge, repo]);
    return rows.map((r) => r.agent_id);
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

/**
 * A delivery's payload as JSON text that jsonb would accept too. The column is json (kept as text),
 * but what the worker reads back from it flows into jsonb columns and text fields, where a NUL or a
 * lone surrogate is refused; so the text as received is used when it holds none of those, and
 * otherwise the payload is serialised with them replaced (jsonForPostgres).
 */
function storablePayload(d: DeliveryRecord): string {
  if (d.payloadText !== undefined && !JSONB_REFUSES.test(d.payloadText)) return d.payloadText;
  return jsonForPostgres(d.payload);
}

/**
 * A backslash-u escape of NUL or of a surrogate, a raw NUL, or an unpaired surrogate. A false alarm
 * (an escaped backslash before "u0000", an escaped surrogate pair) only costs the slower path.
 */
const JSONB_REFUSES = /\\u(?:0000|[dD][89a-fA-F])|\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

