import { entryFromRow, type LedgerEntry } from "./ledger-entry.js";
import type { LedgerSql } from "./sql.js";
import { SentinelError } from "../core/index.js";

const PAGE = 1000;

/** Every entry in chain order, a page at a time (a ledger may be far larger than memory). */
export async function* readLedger(
  db: LedgerSql,
  o: { fromSeq?: number; runId?: string } = {},
): AsyncGenerator<LedgerEntry> {
  let after = (o.fromSeq ?? 1) - 1;
  for (;;) {
    const { rows } = o.runId
      ? await db.query(
          "SELECT seq, at, run_id, kind, data, prev_hash, hash FROM ledger WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
          [o.runId, after, PAGE],
        )
      : await db.query(
          "SELECT seq, at, run_id, kind, data, prev_hash, hash FROM ledger WHERE seq > $1 ORDER BY seq LIMIT $2",
          [after, PAGE],
        );
    for (const r of rows) yield entryFromRow(r);
    if (rows.length < PAGE) return;
    after = Number(rows[rows.length - 1]!.seq);
  }
}

/** The chain head the database records: the last entry's place and hash. */
export async function readHead(db: LedgerSql): Promise<{ seq: number; hash: string }> {
  const { rows } = await db.query<{ seq: string | number; hash: string }>(
    "SELECT seq, hash FROM ledger_head WHERE id = 1",
  );
  if (!rows[0]) throw new SentinelError("E_LEDGER_NO_HEAD", "the ledger has no head row: run the database migrations");
  return { seq: Number(rows[0].seq), hash: rows[0].hash };
}
