import type { Migration } from "./migration.js";

/** The llm-patch agent's memory and its budgets; later migrations join this part. */
export const MIGRATIONS_9_TO_13: readonly Migration[] = [
  {
    // Every model run that asked the model (not one that reused a cached patch): the daily budgets
    // per repository and per installation count these rows, and they keep the run's tokens, cost,
    // turns and wall time next to its ledger entry.
    id: 9,
    name: "model-runs-and-patches",
    sql: `
CREATE TABLE model_runs (
  run_id          text PRIMARY KEY,
  forge           text NOT NULL,
  repo            text NOT NULL,
  installation    text NOT NULL,
  model           text NOT NULL,
  started_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  outcome         text NOT NULL DEFAULT 'running',
  tokens_in       bigint NOT NULL DEFAULT 0,
  tokens_out      bigint NOT NULL DEFAULT 0,
  cost            double precision NOT NULL DEFAULT 0,
  turns           integer NOT NULL DEFAULT 0,
  wall_ms         bigint NOT NULL DEFAULT 0
);
CREATE INDEX model_runs_installation_day ON model_runs (installation, started_at);
CREATE INDEX model_runs_repo_day ON model_runs (forge, repo, started_at);

CREATE TABLE model_patches (
  forge           text NOT NULL,
  repo            text NOT NULL,
  fingerprint     text NOT NULL,
  run_id          text NOT NULL,
  patch           text NOT NULL,
  model           text NOT NULL,
  tokens_in       bigint NOT NULL,
  tokens_out      bigint NOT NULL,
  cost            double precision NOT NULL,
  turns           integer NOT NULL,
  verified_at     timestamptz NOT NULL DEFAULT now(),
  reused          integer NOT NULL DEFAULT 0,
  PRIMARY KEY (forge, repo, fingerprint)
);
`,
  },
];
