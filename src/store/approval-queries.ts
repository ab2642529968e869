// The approval queries behind GovernanceStore: requests waiting for a human, decided or expired with a ledger entry.
import { appendLedgerIn } from "../ledger/index.js";
import type { Database } from "./database.js";
import type { Forge } from "./records.js";

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

/** A run's request for a human's approval. */
export interface ApprovalRequest {
  runId: string;
  forge: Forge;
  repo: string;
  prNumber: number | null;
  failureKey: string | null;
  fingerprint: string;
  rule: string;
  message: string;
  expiresAt: Date;
}

export async function requestApproval(db: Database, a: ApprovalRequest): Promise<void> {
  await db.query(
    `INSERT INTO approvals (run_id, forge, repo, pr_number, failure_key, fingerprint, rule, message, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (run_id) DO UPDATE SET status = 'waiting', rule = EXCLUDED.rule, message = EXCLUDED.message, expires_at = EXCLUDED.expires_at,
       decided_by = NULL, decided_via = NULL, decided_at = NULL, requested_at = now()`,
    [a.runId, a.forge, a.repo, a.prNumber, a.failureKey, a.fingerprint, a.rule, a.message, a.expiresAt],
  );
}

export async function getApproval(db: Database, runId: string): Promise<Approval | null> {
  const { rows } = await db.query<Record<string, unknown>>("SELECT * FROM approvals WHERE run_id = $1", [runId]);
  return rows[0] ? toApproval(rows[0]) : null;
}

/** Approvals still waiting on a pull request, oldest first. */
export async function waitingApprovals(
  db: Database,
  forge: Forge,
  repo: string,
  prNumber?: number,
): Promise<Approval[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    "SELECT * FROM approvals WHERE forge = $1 AND repo = $2 AND status = 'waiting' AND ($3::integer IS NULL OR pr_number = $3) AND expires_at > now() ORDER BY requested_at",
    [forge, repo, prNumber ?? null],
  );
  return rows.map(toApproval);
}

/**
 * Decides a waiting approval; null when it was not waiting (decided already, expired, unknown),
 * so two people pressing at once cannot both resume the run.
 */
export async function decideApproval(
  db: Database,
  runId: string,
  status: "approved" | "denied",
  by: string,
  via: "comment" | "slack" | "cli",
): Promise<Approval | null> {
  // The decision and its ledger entry are written together or not at all.
  const decided = await db.transaction(async (tx) => {
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
export async function expireApprovals(db: Database): Promise<Approval[]> {
  const rows = await db.transaction(async (tx) => {
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
