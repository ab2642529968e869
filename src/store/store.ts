import { appendLedgerIn, jsonForPostgres, lockLedgerIn } from "../ledger/index.js";
import { storablePayload, toFailure } from "./store-rows.js";
import type { Diagnosis } from "../sentinel/index.js";
import type { Database } from "./database.js";
import { GovernanceStore } from "./governance-store.js";
import { RunStore } from "./run-store.js";
import type {
  DeliveryRecord,
  FailureRecord,
  FingerprintHistory,
  Forge,
  PullRequestRef,
  StoredFailure,
} from "./records.js";

/**
 * Everything Sentinel stores about ingestion, over either database. Writes that must not happen
 * twice (a delivery, a failure) are single INSERT … ON CONFLICT DO NOTHING statements, so two
 * workers racing on the same work cannot both win.
 */
export class Store {
  /** Fix runs, their phases and leases: built once here, so everything shares one. */
  readonly runs: RunStore;
  /** Approvals, tiers, pauses and decisions. */
  readonly gov: GovernanceStore;

  constructor(readonly db: Database) {
    this.runs = new RunStore(db);
    this.gov = new GovernanceStore(db);
  }

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
      const n = params.push(
        d.deliveryKey,
        d.forge,
        d.event,
        d.action ?? null,
        d.installationId ?? null,
        d.repo ?? null,
        storablePayload(d),
      );
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
      const { rows } = await tx.query<{
        delivery_key: string;
        forge: string;
        event: string;
        action: string | null;
        repo: string | null;
        received_at: Date;
      }>(
        "SELECT delivery_key, forge, event, action, repo, received_at FROM deliveries WHERE ledger_seq IS NULL ORDER BY received_at, delivery_key LIMIT $1",
        [limit],
      );
      if (rows.length === 0) return 0;
      const written = await appendLedgerIn(
        tx,
        rows.map((r) => ({
          runId: null,
          kind: "delivery.accepted",
          data: {
            delivery: r.delivery_key,
            forge: r.forge,
            event: r.event,
            action: r.action,
            repo: r.repo,
            receivedAt: new Date(r.received_at).toISOString(),
          },
        })),
      );
      await tx.query(
        "UPDATE deliveries d SET ledger_seq = x.seq FROM unnest($1::text[], $2::bigint[]) AS x(key, seq) WHERE d.delivery_key = x.key",
        [rows.map((r) => r.delivery_key), written.map((e) => e.seq)],
      );
      return rows.length;
    });
  }

  async markEnqueued(deliveryKey: string): Promise<void> {
    await this.markEnqueuedMany([deliveryKey]);
  }

  /** Marks deliveries as handed to the queue (one statement for a batch), so the sweeper leaves them alone. */
  async markEnqueuedMany(deliveryKeys: readonly string[]): Promise<void> {
    if (deliveryKeys.length === 0) return;
    await this.db.query(
      "UPDATE deliveries SET enqueued_at = now() WHERE delivery_key = ANY($1::text[]) AND enqueued_at IS NULL",
      [deliveryKeys],
    );
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
    await this.db.query("UPDATE deliveries SET processed_at = now(), outcome = $2 WHERE delivery_key = $1", [
      deliveryKey,
      outcome,
    ]);
  }

  async getDelivery(
    deliveryKey: string,
  ): Promise<(DeliveryRecord & { enqueuedAt: Date | null; processedAt: Date | null; outcome: string | null }) | null> {
    const { rows } = await this.db.query<Record<string, unknown>>("SELECT * FROM deliveries WHERE delivery_key = $1", [
      deliveryKey,
    ]);
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

  async addInstallationRepos(
    forge: Forge,
    installationId: string,
    repos: ReadonlyArray<{ id: string; fullName: string }>,
  ): Promise<void> {
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
      for (const id of repoIds)
        await this.db.query("DELETE FROM installations WHERE forge = $1 AND installation_id = $2 AND repo_id = $3", [
          forge,
          installationId,
          id,
        ]);
    } else {
      await this.db.query("DELETE FROM installations WHERE forge = $1 AND installation_id = $2", [
        forge,
        installationId,
      ]);
    }
  }

  async installedRepos(forge: Forge): Promise<string[]> {
    const { rows } = await this.db.query<{ repo: string }>(
      "SELECT repo FROM installations WHERE forge = $1 ORDER BY repo",
      [forge],
    );
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
        f.failureKey,
        f.forge,
        f.source,
        f.repo,
        f.repoId,
        f.installationId ?? null,
        f.sha,
        f.ref ?? null,
        f.jobId ?? null,
        f.jobName,
        f.runId ?? null,
        f.runAttempt ?? null,
        f.jobUrl ?? null,
        JSON.stringify(f.pullRequests),
        f.fromFork,
        jsonForPostgres(f.context),
        f.firstDelivery,
      ],
    );
    return rowCount === 1;
  }

  async getFailure(failureKey: string): Promise<StoredFailure | null> {
    const { rows } = await this.db.query<Record<string, unknown>>("SELECT * FROM failures WHERE failure_key = $1", [
      failureKey,
    ]);
    const r = rows[0];
    return r ? toFailure(r) : null;
  }

  async failuresOnCommit(forge: Forge, repo: string, sha: string): Promise<StoredFailure[]> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM failures WHERE forge = $1 AND repo = $2 AND sha = $3 ORDER BY created_at",
      [forge, repo, sha],
    );
    return rows.map(toFailure);
  }

  async setFailureStatus(
    failureKey: string,
    status: StoredFailure["status"],
    error: string | null = null,
  ): Promise<void> {
    await this.db.query("UPDATE failures SET status = $2, error = $3, updated_at = now() WHERE failure_key = $1", [
      failureKey,
      status,
      error,
    ]);
  }

  async markReported(failureKey: string): Promise<void> {
    await this.db.query("UPDATE failures SET reported_at = now() WHERE failure_key = $1 AND reported_at IS NULL", [
      failureKey,
    ]);
  }

  async recordJobOutcome(o: {
    forge: Forge;
    repo: string;
    sha: string;
    jobName: string;
    jobId: string;
    conclusion: string;
  }): Promise<void> {
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
            evidence: d.firstErrorLine
              ? { line: d.firstErrorLine.lineNumber, text: d.firstErrorLine.text.slice(0, 500) }
              : null,
            flaky,
            truncated: d.stats.truncated,
          },
        },
      ]);
    });
  }

  private async saveDiagnosisIn(
    tx: Pick<Database, "query">,
    failure: FailureRecord,
    d: Diagnosis,
    flaky: boolean,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO diagnoses (failure_key, forge, repo, sha, fingerprint, status, category, tool, confidence, summary, flaky, truncated, diagnosis)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb)
       ON CONFLICT (failure_key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, status = EXCLUDED.status, category = EXCLUDED.category,
         tool = EXCLUDED.tool, confidence = EXCLUDED.confidence, summary = EXCLUDED.summary, flaky = EXCLUDED.flaky,
         truncated = EXCLUDED.truncated, diagnosis = EXCLUDED.diagnosis`,
      [
        failure.failureKey,
        failure.forge,
        failure.repo,
        failure.sha,
        d.fingerprint,
        d.status,
        d.category,
        d.tool,
        d.confidence,
        d.summary.replace(/\u0000/g, "\uFFFD"),
        flaky,
        d.stats.truncated,
        jsonForPostgres(d),
      ],
    );
  }

  async getDiagnosis(failureKey: string): Promise<{ diagnosis: Diagnosis; flaky: boolean } | null> {
    const { rows } = await this.db.query<{ diagnosis: Diagnosis; flaky: boolean }>(
      "SELECT diagnosis, flaky FROM diagnoses WHERE failure_key = $1",
      [failureKey],
    );
    return rows[0] ?? null;
  }

  /** Has this fingerprint been seen before, and where: the question the fingerprint index answers. */
  async fingerprintHistory(forge: Forge, repo: string, fingerprint: string): Promise<FingerprintHistory> {
    const { rows } = await this.db.query<{
      occurrences: string | number;
      commits: string | number;
      first_seen: Date | null;
    }>(
      `SELECT count(*) AS occurrences, count(DISTINCT sha) AS commits, min(created_at) AS first_seen
       FROM diagnoses WHERE forge = $1 AND repo = $2 AND fingerprint = $3`,
      [forge, repo, fingerprint],
    );
    const { rows: others } = await this.db.query<{ n: string | number }>(
      "SELECT count(DISTINCT repo) AS n FROM diagnoses WHERE fingerprint = $1 AND NOT (forge = $2 AND repo = $3)",
      [fingerprint, forge, repo],
    );
    const r = rows[0];
    return {
      occurrences: Number(r?.occurrences ?? 0),
      commits: Number(r?.commits ?? 0),
      firstSeen: r?.first_seen ?? null,
      otherRepos: Number(others[0]?.n ?? 0),
    };
  }

  async diagnosesForPullRequest(
    forge: Forge,
    repo: string,
    prNumber: number,
  ): Promise<Array<{ failure: StoredFailure; diagnosis: Diagnosis; flaky: boolean }>> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT f.*, d.diagnosis AS d_diagnosis, d.flaky AS d_flaky FROM failures f JOIN diagnoses d ON d.failure_key = f.failure_key
       WHERE f.forge = $1 AND f.repo = $2 AND f.pull_requests @> $3::jsonb ORDER BY f.created_at`,
      [forge, repo, JSON.stringify([{ number: prNumber }])],
    );
    return rows.map((r) => ({
      failure: toFailure(r),
      diagnosis: r.d_diagnosis as Diagnosis,
      flaky: Boolean(r.d_flaky),
    }));
  }

  async getCommitReport(forge: Forge, repo: string, sha: string): Promise<string | null> {
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

  async setPullRequests(failureKey: string, prs: readonly PullRequestRef[], fromFork: boolean): Promise<void> {
    await this.db.query(
      "UPDATE failures SET pull_requests = $2::jsonb, from_fork = $3, updated_at = now() WHERE failure_key = $1",
      [failureKey, JSON.stringify(prs), fromFork],
    );
  }

  async diagnosesOnCommit(
    forge: Forge,
    repo: string,
    sha: string,
  ): Promise<Array<{ failure: StoredFailure; diagnosis: Diagnosis; flaky: boolean }>> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT f.*, d.diagnosis AS d_diagnosis, d.flaky AS d_flaky FROM failures f JOIN diagnoses d ON d.failure_key = f.failure_key
       WHERE f.forge = $1 AND f.repo = $2 AND f.sha = $3 ORDER BY f.created_at`,
      [forge, repo, sha],
    );
    return rows.map((r) => ({
      failure: toFailure(r),
      diagnosis: r.d_diagnosis as Diagnosis,
      flaky: Boolean(r.d_flaky),
    }));
  }

  async getStickyComment(forge: Forge, repo: string, prNumber: number): Promise<string | null> {
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
