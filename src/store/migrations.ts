import { entryFromRow, entryHash, GENESIS_HASH } from "../ledger/index.js";
import type { Queryable } from "./database.js";

/**
 * Schema migrations, in order. One list serves PostgreSQL and PGlite; a migration is never edited
 * once released, only followed by another.
 */
export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly sql: string;
  /** Work SQL alone cannot do (hashing), after `sql`, in the same transaction. */
  readonly run?: (tx: Queryable) => Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: "ingestion",
    sql: `
CREATE TABLE deliveries (
  delivery_key    text PRIMARY KEY,
  forge           text NOT NULL,
  event           text NOT NULL,
  action          text,
  installation_id text,
  repo            text,
  payload         jsonb NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now(),
  enqueued_at     timestamptz,
  processed_at    timestamptz,
  outcome         text
);
CREATE INDEX deliveries_not_enqueued ON deliveries (received_at) WHERE enqueued_at IS NULL;

CREATE TABLE installations (
  forge           text NOT NULL,
  installation_id text NOT NULL,
  repo_id         text NOT NULL,
  repo            text NOT NULL,
  added_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (forge, installation_id, repo_id)
);
CREATE INDEX installations_repo ON installations (forge, repo);

CREATE TABLE failures (
  failure_key     text PRIMARY KEY,
  forge           text NOT NULL,
  source          text NOT NULL,
  repo            text NOT NULL,
  repo_id         text NOT NULL,
  installation_id text,
  sha             text NOT NULL,
  ref             text,
  job_id          text,
  job_name        text NOT NULL,
  run_id          text,
  run_attempt     integer,
  job_url         text,
  pull_requests   jsonb NOT NULL DEFAULT '[]',
  from_fork       boolean NOT NULL DEFAULT false,
  context         jsonb NOT NULL DEFAULT '{}',
  status          text NOT NULL DEFAULT 'pending',
  error           text,
  first_delivery  text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX failures_commit ON failures (forge, repo, sha);

CREATE TABLE job_outcomes (
  forge           text NOT NULL,
  repo            text NOT NULL,
  sha             text NOT NULL,
  job_name        text NOT NULL,
  job_id          text NOT NULL,
  conclusion      text NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (forge, repo, job_id)
);
CREATE INDEX job_outcomes_commit_job ON job_outcomes (forge, repo, sha, job_name);

CREATE TABLE diagnoses (
  failure_key     text PRIMARY KEY REFERENCES failures (failure_key),
  forge           text NOT NULL,
  repo            text NOT NULL,
  sha             text NOT NULL,
  fingerprint     text NOT NULL,
  status          text NOT NULL,
  category        text NOT NULL,
  tool            text,
  confidence      real NOT NULL,
  summary         text NOT NULL,
  flaky           boolean NOT NULL DEFAULT false,
  truncated       boolean NOT NULL DEFAULT false,
  diagnosis       jsonb NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX diagnoses_fingerprint ON diagnoses (fingerprint, created_at);
CREATE INDEX diagnoses_repo_fingerprint ON diagnoses (forge, repo, fingerprint);

CREATE TABLE commit_reports (
  forge           text NOT NULL,
  repo            text NOT NULL,
  sha             text NOT NULL,
  report_id       text NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (forge, repo, sha)
);

CREATE TABLE sticky_comments (
  forge           text NOT NULL,
  repo            text NOT NULL,
  pr_number       integer NOT NULL,
  comment_id      text NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (forge, repo, pr_number)
);
`,
  },
  {
    id: 2,
    name: "fix-pipeline",
    sql: `
ALTER TABLE failures ADD COLUMN reported_at timestamptz;

CREATE TABLE runs (
  run_id          text PRIMARY KEY,
  run_key         text NOT NULL,
  forge           text NOT NULL,
  repo            text NOT NULL,
  fingerprint     text NOT NULL,
  failure_key     text,
  agent_id        text,
  phase           text NOT NULL,
  status          text NOT NULL DEFAULT 'running',
  packet          jsonb,
  outcome         jsonb,
  handoff         jsonb,
  heartbeat_at    timestamptz NOT NULL DEFAULT now(),
  started_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz
);
CREATE INDEX runs_key ON runs (run_key, started_at);

CREATE TABLE ledger (
  seq             bigserial PRIMARY KEY,
  run_id          text,
  kind            text NOT NULL,
  data            jsonb NOT NULL,
  at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_run ON ledger (run_id, seq);

CREATE TABLE leases (
  lease_key       text PRIMARY KEY,
  owner           text NOT NULL,
  expires_at      timestamptz NOT NULL
);

CREATE TABLE pull_requests (
  forge           text NOT NULL,
  repo            text NOT NULL,
  head_branch     text NOT NULL,
  number          integer NOT NULL,
  url             text,
  base_branch     text NOT NULL,
  title           text NOT NULL,
  body            text NOT NULL,
  state           text NOT NULL DEFAULT 'open',
  run_id          text,
  fingerprint     text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (forge, repo, head_branch)
);

CREATE TABLE agent_revocations (
  forge           text NOT NULL,
  repo            text NOT NULL,
  agent_id        text NOT NULL,
  reason          text NOT NULL,
  run_id          text,
  revoked_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (forge, repo, agent_id)
);
`,
  },
  {
    id: 3,
    name: "policy-and-trust",
    sql: `
ALTER TABLE runs ADD COLUMN sha text;
ALTER TABLE runs ADD COLUMN pr_number integer;
ALTER TABLE runs ADD COLUMN action text;
ALTER TABLE runs ADD COLUMN manual boolean NOT NULL DEFAULT false;
CREATE INDEX runs_repo_started ON runs (forge, repo, started_at);
CREATE INDEX runs_fingerprint ON runs (forge, repo, fingerprint, started_at);
CREATE INDEX runs_commit ON runs (forge, repo, sha);

CREATE TABLE agent_tiers (
  forge           text NOT NULL,
  repo            text NOT NULL,
  agent_id        text NOT NULL,
  tier            integer NOT NULL,
  clean_streak    integer NOT NULL DEFAULT 0,
  revoked         boolean NOT NULL DEFAULT false,
  reason          text,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (forge, repo, agent_id)
);
INSERT INTO agent_tiers (forge, repo, agent_id, tier, revoked, reason, updated_at)
  SELECT forge, repo, agent_id, 0, true, reason, revoked_at FROM agent_revocations;

CREATE TABLE approvals (
  run_id          text PRIMARY KEY,
  forge           text NOT NULL,
  repo            text NOT NULL,
  pr_number       integer,
  failure_key     text,
  fingerprint     text NOT NULL,
  rule            text NOT NULL,
  message         text NOT NULL,
  status          text NOT NULL DEFAULT 'waiting',
  requested_at    timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  decided_by      text,
  decided_via     text,
  decided_at      timestamptz
);
CREATE INDEX approvals_waiting ON approvals (expires_at) WHERE status = 'waiting';
CREATE INDEX approvals_pr ON approvals (forge, repo, pr_number);

CREATE TABLE pauses (
  forge           text NOT NULL,
  repo            text NOT NULL,
  pr_number       integer NOT NULL,
  paused_by       text NOT NULL,
  paused_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (forge, repo, pr_number)
);

CREATE TABLE ignored_fingerprints (
  forge           text NOT NULL,
  repo            text NOT NULL,
  fingerprint     text NOT NULL,
  ignored_by      text NOT NULL,
  ignored_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (forge, repo, fingerprint)
);

CREATE TABLE processed_comments (
  forge           text NOT NULL,
  repo            text NOT NULL,
  comment_id      text NOT NULL,
  processed_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (forge, repo, comment_id)
);

CREATE TABLE reruns (
  forge           text NOT NULL,
  repo            text NOT NULL,
  sha             text NOT NULL,
  job_id          text NOT NULL,
  failure_key     text,
  requested_by    text NOT NULL,
  at              timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (forge, repo, job_id, at)
);
CREATE INDEX reruns_commit ON reruns (forge, repo, sha);

CREATE TABLE tracking_issues (
  forge           text NOT NULL,
  repo            text NOT NULL,
  fingerprint     text NOT NULL,
  number          integer NOT NULL,
  url             text,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (forge, repo, fingerprint)
);

CREATE TABLE fix_decisions (
  failure_key     text PRIMARY KEY,
  forge           text NOT NULL,
  repo            text NOT NULL,
  fingerprint     text NOT NULL,
  verdict         text NOT NULL,
  rule            text,
  message         text NOT NULL,
  run_id          text,
  at              timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE pull_requests ADD COLUMN kind text NOT NULL DEFAULT 'fix';
ALTER TABLE pull_requests ADD COLUMN agent_id text;
ALTER TABLE pull_requests ADD COLUMN commit_sha text;
CREATE INDEX ledger_kind ON ledger (kind, seq);
`,
  },
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
    // …and processed deliveries are pruned by age (Store.pruneDeliveries), found through an index.
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
    // Every accepted delivery becomes a ledger entry, appended in batches (Store.ledgerAcceptedDeliveries);
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
  const { rows } = await tx.query<Record<string, unknown>>("SELECT seq, at, run_id, kind, data FROM ledger ORDER BY seq");
  let prevHash = GENESIS_HASH;
  let seq = 0;
  for (const r of rows) {
    const old = entryFromRow({ ...r, prev_hash: "", hash: "" });
    const entry = { ...old, seq: ++seq, prevHash };
    const hash = entryHash(entry);
    await tx.query("UPDATE ledger SET seq = $2, at = $3, prev_hash = $4, hash = $5 WHERE seq = $1", [old.seq, entry.seq, entry.at, prevHash, hash]);
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
  await tx.query("CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger FOR EACH ROW EXECUTE FUNCTION ledger_append_only()");
  await tx.query("CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()");
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
