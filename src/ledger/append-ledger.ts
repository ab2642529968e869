import { entryHash, type LedgerEntry } from "./ledger-entry.js";
import { jsonForPostgres, type LedgerDatabase, type LedgerSql, type NewLedgerEntry } from "./sql.js";
import { SentinelError } from "../core/index.js";

export type { NewLedgerEntry } from "./sql.js";

/**
 * Appends entries to the hash chain inside the caller's transaction. The head row is locked
 * (`FOR UPDATE`) until that transaction ends, so appends from every worker and server process
 * take their turn and each entry names the one truly before it. Call it last in a transaction:
 * the lock is held until commit.
 */
export async function appendLedgerIn(tx: LedgerSql, entries: readonly NewLedgerEntry[]): Promise<LedgerEntry[]> {
  if (entries.length === 0) return [];
  if (tx.appendLedger) return tx.appendLedger(entries);
  const { rows } = await tx.query<{ seq: string | number; hash: string }>(
    "SELECT seq, hash FROM ledger_head WHERE id = 1 FOR UPDATE",
  );
  // The migration writes the head row; without it the schema is not this version's.
  if (!rows[0]) throw new SentinelError("E_LEDGER_NO_HEAD", "the ledger has no head row: run the database migrations");
  let seq = Number(rows[0].seq);
  let prevHash = rows[0].hash;
  const at = new Date().toISOString();
  const written: LedgerEntry[] = [];
  const params: unknown[] = [];
  const rowsSql: string[] = [];
  for (const e of entries) {
    const text = jsonForPostgres(e.data);
    const unhashed = {
      seq: ++seq,
      at,
      runId: e.runId,
      kind: e.kind,
      data: JSON.parse(text) as Record<string, unknown>,
      prevHash,
    };
    const hash = entryHash(unhashed);
    const n = params.push(seq, e.runId, e.kind, text, at, prevHash, hash);
    rowsSql.push(`($${n - 6}, $${n - 5}, $${n - 4}, $${n - 3}::jsonb, $${n - 2}, $${n - 1}, $${n})`);
    written.push({ ...unhashed, hash });
    prevHash = hash;
  }
  // One statement for the batch (a group-committed batch of deliveries is one round trip, not N).
  await tx.query(
    `INSERT INTO ledger (seq, run_id, kind, data, at, prev_hash, hash) VALUES ${rowsSql.join(", ")}`,
    params,
  );
  await tx.query("UPDATE ledger_head SET seq = $1, hash = $2 WHERE id = 1", [seq, prevHash]);
  return written;
}

/**
 * Takes the ledger's head lock now, at the start of a transaction that will append to the ledger
 * after other writes: taken last, it could deadlock with a transaction that holds it and waits
 * for a row this one wrote (two batches recording the same delivery key).
 */
export async function lockLedgerIn(tx: LedgerSql): Promise<void> {
  await tx.query("SELECT 1 FROM ledger_head WHERE id = 1 FOR UPDATE");
}

/** Appends entries in a transaction of their own. */
export function appendLedger(db: LedgerDatabase, entries: readonly NewLedgerEntry[]): Promise<LedgerEntry[]> {
  if (db.appendLedger) return db.appendLedger(entries);
  return db.transaction((tx) => appendLedgerIn(tx, entries));
}
