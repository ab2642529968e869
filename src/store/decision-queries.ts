// The fix-decision queries behind GovernanceStore: the policy's last word per failure, ledgered.
import { appendLedgerIn, lockLedgerIn } from "../ledger/index.js";
import type { Database } from "./database.js";
import type { Forge } from "./records.js";

export interface FixDecisionRecord {
  readonly failureKey: string;
  readonly verdict: string;
  readonly rule: string | null;
  readonly message: string;
  readonly runId: string | null;
  readonly at: Date;
}

/** The policy's decision on a failure, as setDecision writes it. */
export interface DecisionUpdate {
  failureKey: string;
  forge: Forge;
  repo: string;
  fingerprint: string;
  verdict: string;
  rule: string | null;
  message: string;
  runId: string | null;
}

/**
 * The policy's last word on a failure (fixed, proposed, or refused by which rule), kept for the
 * sticky comment and written to the ledger: every refusal is an entry naming its rule.
 */
export async function setDecision(db: Database, d: DecisionUpdate): Promise<void> {
  await db.transaction(async (tx) => {
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

export async function decisions(db: Database, failureKeys: readonly string[]): Promise<Map<string, FixDecisionRecord>> {
  if (failureKeys.length === 0) return new Map();
  const { rows } = await db.query<Record<string, unknown>>(
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
