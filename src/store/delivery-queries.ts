// The delivery queries behind Store: recording, ledgering, queue bookkeeping and pruning of webhook deliveries.
import { appendLedgerIn, lockLedgerIn } from "../ledger/index.js";
import { storablePayload } from "./store-rows.js";
import type { Database } from "./database.js";
import type { DeliveryRecord, Forge } from "./records.js";

/**
 * Records deliveries that arrived together in one statement (one commit, so one WAL flush for
 * all of them) and returns the keys that were new. A key recorded before, or repeated within
 * `deliveries`, is recorded once: its later copies are redeliveries.
 */
export async function recordDeliveries(db: Database, deliveries: readonly DeliveryRecord[]): Promise<Set<string>> {
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
  const { rows: inserted } = await db.query<{ delivery_key: string }>(
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
export async function ledgerAcceptedDeliveries(db: Database, limit = 1000): Promise<number> {
  return db.transaction(async (tx) => {
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

/** Marks deliveries as handed to the queue (one statement for a batch), so the sweeper leaves them alone. */
export async function markEnqueuedMany(db: Database, deliveryKeys: readonly string[]): Promise<void> {
  if (deliveryKeys.length === 0) return;
  await db.query(
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
export async function pruneDeliveries(db: Database, days: number, batch = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const { rows } = await db.query<{ n: number | string }>(
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

export async function markProcessed(db: Database, deliveryKey: string, outcome: string): Promise<void> {
  await db.query("UPDATE deliveries SET processed_at = now(), outcome = $2 WHERE delivery_key = $1", [
    deliveryKey,
    outcome,
  ]);
}

export async function getDelivery(
  db: Database,
  deliveryKey: string,
): Promise<(DeliveryRecord & { enqueuedAt: Date | null; processedAt: Date | null; outcome: string | null }) | null> {
  const { rows } = await db.query<Record<string, unknown>>("SELECT * FROM deliveries WHERE delivery_key = $1", [
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
export async function deliveriesNotEnqueued(db: Database, olderThanMs: number, limit = 100): Promise<string[]> {
  const { rows } = await db.query<{ delivery_key: string }>(
    `SELECT delivery_key FROM deliveries WHERE enqueued_at IS NULL AND received_at < now() - ($1 || ' milliseconds')::interval
     ORDER BY received_at LIMIT $2`,
    [String(olderThanMs), limit],
  );
  return rows.map((r) => r.delivery_key);
}

/** Deliveries queued but never processed, oldest first (their job was lost). */
export async function deliveriesNotProcessed(db: Database, olderThanMs: number, limit = 100): Promise<string[]> {
  const { rows } = await db.query<{ delivery_key: string }>(
    `SELECT delivery_key FROM deliveries WHERE enqueued_at IS NOT NULL AND processed_at IS NULL
     AND enqueued_at < now() - ($1 || ' milliseconds')::interval ORDER BY enqueued_at LIMIT $2`,
    [String(olderThanMs), limit],
  );
  return rows.map((r) => r.delivery_key);
}
