import type { Migration } from "./migration.js";

/** The first schema: ingestion, the fix pipeline, policy and trust. */
export const MIGRATIONS_1_TO_3: readonly Migration[] = [
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
];
