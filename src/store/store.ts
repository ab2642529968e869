import type { Diagnosis } from "../sentinel/index.js";
import type { Database } from "./database.js";

export type Forge = "github" | "gitlab";

export interface DeliveryRecord {
  readonly deliveryKey: string;
  readonly forge: Forge;
  readonly event: string;
  readonly action?: string | null;
  readonly installationId?: string | null;
  readonly repo?: string | null;
  readonly payload: unknown;
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
    const { rowCount } = await this.db.query(
      `INSERT INTO deliveries (delivery_key, forge, event, action, installation_id, repo, payload)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) ON CONFLICT (delivery_key) DO NOTHING`,
      [d.deliveryKey, d.forge, d.event, d.action ?? null, d.installationId ?? null, d.repo ?? null, JSON.stringify(d.payload)],
    );
    return rowCount === 1;
  }

  async markEnqueued(deliveryKey: string): Promise<void> {
    await this.db.query("UPDATE deliveries SET enqueued_at = now() WHERE delivery_key = $1 AND enqueued_at IS NULL", [deliveryKey]);
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
        f.runId ?? null, f.runAttempt ?? null, f.jobUrl ?? null, JSON.stringify(f.pullRequests), f.fromFork, JSON.stringify(f.context), f.firstDelivery,
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

  async failuresForPullRequest(forge: Forge, repo: string, prNumber: number): Promise<StoredFailure[]> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT * FROM failures WHERE forge = $1 AND repo = $2 AND pull_requests @> $3::jsonb ORDER BY created_at`,
      [forge, repo, JSON.stringify([{ number: prNumber }])],
    );
    return rows.map(toFailure);
  }

  async setFailureStatus(failureKey: string, status: StoredFailure["status"], error: string | null = null): Promise<void> {
    await this.db.query("UPDATE failures SET status = $2, error = $3, updated_at = now() WHERE failure_key = $1", [failureKey, status, error]);
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

  async saveDiagnosis(failure: FailureRecord, d: Diagnosis, flaky: boolean): Promise<void> {
    await this.db.query(
      `INSERT INTO diagnoses (failure_key, forge, repo, sha, fingerprint, status, category, tool, confidence, summary, flaky, truncated, diagnosis)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb)
       ON CONFLICT (failure_key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, status = EXCLUDED.status, category = EXCLUDED.category,
         tool = EXCLUDED.tool, confidence = EXCLUDED.confidence, summary = EXCLUDED.summary, flaky = EXCLUDED.flaky,
         truncated = EXCLUDED.truncated, diagnosis = EXCLUDED.diagnosis`,
      [failure.failureKey, failure.forge, failure.repo, failure.sha, d.fingerprint, d.status, d.category, d.tool, d.confidence, d.summary, flaky, d.stats.truncated, JSON.stringify(d)],
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
  };
}
