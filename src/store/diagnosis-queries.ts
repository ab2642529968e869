// The diagnosis queries behind Store: saving a diagnosis with its ledger entry, and reading diagnoses back.
import { appendLedgerIn, jsonForPostgres, lockLedgerIn } from "../ledger/index.js";
import { toFailure } from "./store-rows.js";
import type { Diagnosis } from "../sentinel/index.js";
import type { Database } from "./database.js";
import type { FailureRecord, FingerprintHistory, Forge, StoredFailure } from "./records.js";

/**
 * Stores the failure's diagnosis and writes it to the ledger in one transaction: the
 * fingerprint, category, tool, the rule behind the primary finding and the first error line,
 * so every report or fix that follows can be traced to the log line and rule that caused it.
 */
export async function saveDiagnosis(db: Database, failure: FailureRecord, d: Diagnosis, flaky: boolean): Promise<void> {
  await db.transaction(async (tx) => {
    await lockLedgerIn(tx);
    await saveDiagnosisIn(tx, failure, d, flaky);
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

async function saveDiagnosisIn(
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

export async function getDiagnosis(
  db: Database,
  failureKey: string,
): Promise<{ diagnosis: Diagnosis; flaky: boolean } | null> {
  const { rows } = await db.query<{ diagnosis: Diagnosis; flaky: boolean }>(
    "SELECT diagnosis, flaky FROM diagnoses WHERE failure_key = $1",
    [failureKey],
  );
  return rows[0] ?? null;
}

/** Has this fingerprint been seen before, and where: the question the fingerprint index answers. */
export async function fingerprintHistory(
  db: Database,
  forge: Forge,
  repo: string,
  fingerprint: string,
): Promise<FingerprintHistory> {
  const { rows } = await db.query<{
    occurrences: string | number;
    commits: string | number;
    first_seen: Date | null;
  }>(
    `SELECT count(*) AS occurrences, count(DISTINCT sha) AS commits, min(created_at) AS first_seen
     FROM diagnoses WHERE forge = $1 AND repo = $2 AND fingerprint = $3`,
    [forge, repo, fingerprint],
  );
  const { rows: others } = await db.query<{ n: string | number }>(
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

export async function diagnosesForPullRequest(
  db: Database,
  forge: Forge,
  repo: string,
  prNumber: number,
): Promise<Array<{ failure: StoredFailure; diagnosis: Diagnosis; flaky: boolean }>> {
  const { rows } = await db.query<Record<string, unknown>>(
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

export async function diagnosesOnCommit(
  db: Database,
  forge: Forge,
  repo: string,
  sha: string,
): Promise<Array<{ failure: StoredFailure; diagnosis: Diagnosis; flaky: boolean }>> {
  const { rows } = await db.query<Record<string, unknown>>(
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
