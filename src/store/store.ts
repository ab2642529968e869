import { jsonForPostgres } from "../ledger/index.js";
import { toFailure } from "./store-rows.js";
import type { Diagnosis } from "../sentinel/index.js";
import type { Database } from "./database.js";
import * as deliveries from "./delivery-queries.js";
import * as diagnoses from "./diagnosis-queries.js";
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
 * workers racing on the same work cannot both win. The delivery and diagnosis queries live in
 * delivery-queries.ts and diagnosis-queries.ts (documented there); the methods here delegate.
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

  async recordDeliveries(ds: readonly DeliveryRecord[]): Promise<Set<string>> {
    return deliveries.recordDeliveries(this.db, ds);
  }

  async ledgerAcceptedDeliveries(limit = 1000): Promise<number> {
    return deliveries.ledgerAcceptedDeliveries(this.db, limit);
  }

  async markEnqueued(deliveryKey: string): Promise<void> {
    await this.markEnqueuedMany([deliveryKey]);
  }

  async markEnqueuedMany(deliveryKeys: readonly string[]): Promise<void> {
    return deliveries.markEnqueuedMany(this.db, deliveryKeys);
  }

  async pruneDeliveries(days: number, batch = 5000): Promise<number> {
    return deliveries.pruneDeliveries(this.db, days, batch);
  }

  async markProcessed(deliveryKey: string, outcome: string): Promise<void> {
    return deliveries.markProcessed(this.db, deliveryKey, outcome);
  }

  async getDelivery(
    deliveryKey: string,
  ): Promise<(DeliveryRecord & { enqueuedAt: Date | null; processedAt: Date | null; outcome: string | null }) | null> {
    return deliveries.getDelivery(this.db, deliveryKey);
  }

  async deliveriesNotEnqueued(olderThanMs: number, limit = 100): Promise<string[]> {
    return deliveries.deliveriesNotEnqueued(this.db, olderThanMs, limit);
  }

  async deliveriesNotProcessed(olderThanMs: number, limit = 100): Promise<string[]> {
    return deliveries.deliveriesNotProcessed(this.db, olderThanMs, limit);
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

  async saveDiagnosis(failure: FailureRecord, d: Diagnosis, flaky: boolean): Promise<void> {
    return diagnoses.saveDiagnosis(this.db, failure, d, flaky);
  }

  async getDiagnosis(failureKey: string): Promise<{ diagnosis: Diagnosis; flaky: boolean } | null> {
    return diagnoses.getDiagnosis(this.db, failureKey);
  }

  async fingerprintHistory(forge: Forge, repo: string, fingerprint: string): Promise<FingerprintHistory> {
    return diagnoses.fingerprintHistory(this.db, forge, repo, fingerprint);
  }

  async diagnosesForPullRequest(
    forge: Forge,
    repo: string,
    prNumber: number,
  ): Promise<Array<{ failure: StoredFailure; diagnosis: Diagnosis; flaky: boolean }>> {
    return diagnoses.diagnosesForPullRequest(this.db, forge, repo, prNumber);
  }

  async diagnosesOnCommit(
    forge: Forge,
    repo: string,
    sha: string,
  ): Promise<Array<{ failure: StoredFailure; diagnosis: Diagnosis; flaky: boolean }>> {
    return diagnoses.diagnosesOnCommit(this.db, forge, repo, sha);
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
