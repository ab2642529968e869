import { jsonForPostgres } from "../ledger/index.js";
import type { Database } from "./database.js";
import type { FailureRecord, Forge, PullRequestRef, StoredFailure } from "./records.js";
import { toFailure } from "./store-rows.js";

/**
 * Failed CI jobs and every job's outcome. A failure is recorded once: the write is a single
 * INSERT … ON CONFLICT DO NOTHING, so two workers racing on the same failure cannot both win.
 */
export class FailureStore {
  constructor(private readonly db: Database) {}

  /** Records a failure once; false when another event kind (or a redelivery) recorded it first. */
  async record(f: FailureRecord): Promise<boolean> {
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

  async get(failureKey: string): Promise<StoredFailure | null> {
    const { rows } = await this.db.query<Record<string, unknown>>("SELECT * FROM failures WHERE failure_key = $1", [
      failureKey,
    ]);
    const r = rows[0];
    return r ? toFailure(r) : null;
  }

  async onCommit(forge: Forge, repo: string, sha: string): Promise<StoredFailure[]> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      "SELECT * FROM failures WHERE forge = $1 AND repo = $2 AND sha = $3 ORDER BY created_at",
      [forge, repo, sha],
    );
    return rows.map(toFailure);
  }

  async setStatus(failureKey: string, status: StoredFailure["status"], error: string | null = null): Promise<void> {
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

  async setPullRequests(failureKey: string, prs: readonly PullRequestRef[], fromFork: boolean): Promise<void> {
    await this.db.query(
      "UPDATE failures SET pull_requests = $2::jsonb, from_fork = $3, updated_at = now() WHERE failure_key = $1",
      [failureKey, JSON.stringify(prs), fromFork],
    );
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
}
