import { entryFromRow, entryHash, GENESIS_HASH } from "../ledger/index.js";
import type { Queryable } from "./database.js";
import type { Migration } from "./migration.js";

/** The ledger's hash chain, and what the dashboard, delivery storage and fix requests needed since. */
export const MIGRATIONS_4_TO_8: readonly Migration[] = [
  {
    id: 4,
    name: "ledger-hash-chain",
    sql: `
ALTER TABLE ledger ADD COLUMN prev_hash text;
ALTER TABLE ledger ADD COLUMN hash text;
ALTER TABLE ledger ALTER COLUMN seq DROP DEFAULT;
CREATE TABLE ledger_head (
  id              integer PRIMARY KEY CHECK (id = 1),
  seq             bigint NOT NULL,
  hash            text NOT NULL
);
`,
    run: chainExistingLedger,
  },
  {
    id: 5,
    name: "dashboard-indexes",
    sql: `
CREATE INDEX failures_created ON failures (created_at);
CREATE INDEX runs_started ON runs (started_at);
CREATE INDEX pull_requests_state ON pull_requests (state, updated_at);
`,
  },
  {
    // A delivery's payload is written once per webhook, on the path GitHub waits on, and read back
    // whole by the worker; no query looks inside it. jsonb parsed every 10 KB payload into its
    // binary form and pglz compressed it, which cost PostgreSQL about three times what storing the
    // checked text costs (bench:ingest). json still refuses text that is not JSON.
    id: 6,
    name: "delivery-payload-as-text",
    // …and processed deliveries are pruned by age (DeliveryStore.prune), found through an index.
    sql: `
ALTER TABLE deliveries ALTER COLUMN payload TYPE json USING payload::json;
CREATE INDEX deliveries_received ON deliveries (received_at) WHERE processed_at IS NOT NULL;
`,
    run: compressPayloadsWithLz4,
  },
  {
    // A queue job carries ids only: who asked for a manual fix is written here by the command
    // handler, never read from job data, which anyone who can reach Redis can write.
    id: 7,
    name: "fix-requests",
    sql: `
CREATE TABLE fix_requests (
  request_id      text PRIMARY KEY,
  failure_key     text NOT NULL,
  forge           text NOT NULL,
  repo            text NOT NULL,
  requested_by    text NOT NULL,
  via             text NOT NULL,
  comment_id      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  run_id          text
);
CREATE INDEX fix_requests_failure ON fix_requests (failure_key);
`,
  },
  {
    // Every accepted delivery becomes a ledger entry, appended in batches (DeliveryStore.ledgerAccepted);
    // a delivery's entry's place in the chain is kept on its row. Deliveries recorded before the
    // ledger recorded them are marked 0: they were never entries.
    id: 8,
    name: "delivery-ledger-entries",
    sql: `
ALTER TABLE deliveries ADD COLUMN ledger_seq bigint;
UPDATE deliveries SET ledger_seq = 0;
CREATE INDEX deliveries_unledgered ON deliveries (received_at) WHERE ledger_seq IS NULL;
`,
  },
];

/**
 * Ledgers written before the chain existed join it: their entries are numbered without gaps (a
 * sequence skips numbers on rolled-back inserts) and hashed in order, then the table refuses
 * updates and deletes. A DBA can still lift that; the hashes and checkpoints are what catch it.
 */
async function chainExistingLedger(tx: Queryable): Promise<void> {
  const { rows } = await tx.query<Record<string, unknown>>(
    "SELECT seq, at, run_id, kind, data FROM ledger ORDER BY seq",
  );
  let prevHash = GENESIS_HASH;
  let seq = 0;
  for (const r of rows) {
    const old = entryFromRow({ ...r, prev_hash: "", hash: "" });
    const entry = { ...old, seq: ++seq, prevHash };
    const hash = entryHash(entry);
    await tx.query("UPDATE ledger SET seq = $2, at = $3, prev_hash = $4, hash = $5 WHERE seq = $1", [
      old.seq,
      entry.seq,
      entry.at,
      prevHash,
      hash,
    ]);
    prevHash = hash;
  }
  await tx.query("INSERT INTO ledger_head (id, seq, hash) VALUES (1, $1, $2)", [seq, prevHash]);
  await tx.query("ALTER TABLE ledger ALTER COLUMN prev_hash SET NOT NULL");
  await tx.query("ALTER TABLE ledger ALTER COLUMN hash SET NOT NULL");
  await tx.query(`CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit ledger is append-only: % on ledger refused', TG_OP;
END
$$`);
  await tx.query(
    "CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger FOR EACH ROW EXECUTE FUNCTION ledger_append_only()",
  );
  await tx.query(
    "CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()",
  );
}

/** lz4 compresses a payload several times faster than pglz; a build without it (PGlite) keeps pglz. */
async function compressPayloadsWithLz4(tx: Queryable): Promise<void> {
  await tx.query(`DO $$
BEGIN
  ALTER TABLE deliveries ALTER COLUMN payload SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  NULL;
END
$$`);
}
