import type { Database } from "./database.js";

/** What a model run spent, as the llm-patch agent accounts for it. */
export interface ModelSpend {
  readonly model: string;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly cost: number;
  readonly turns: number;
  readonly wallMs: number;
}

export interface ModelPatchRow {
  readonly runId: string;
  readonly patch: string;
  readonly model: string;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly cost: number;
  readonly turns: number;
}

type Refusal = { rule: string; message: string };

/**
 * The llm-patch agent's memory (the agents' ModelMemory port): verified patches per repository
 * and fingerprint, reused at zero tokens; and the model runs the daily budgets count.
 */
export class ModelStore {
  constructor(readonly db: Database) {}

  async findPatch(forge: string, repo: string, fingerprint: string): Promise<ModelPatchRow | null> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      "SELECT run_id, patch, model, tokens_in, tokens_out, cost, turns FROM model_patches WHERE forge = $1 AND repo = $2 AND fingerprint = $3",
      [forge, repo, fingerprint],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      runId: String(r.run_id),
      patch: String(r.patch),
      model: String(r.model),
      tokensIn: Number(r.tokens_in),
      tokensOut: Number(r.tokens_out),
      cost: Number(r.cost),
      turns: Number(r.turns),
    };
  }

  /** The verified patch for a fingerprint; storing the one it came from again counts a reuse. */
  async savePatch(p: ModelPatchRow & { forge: string; repo: string; fingerprint: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO model_patches (forge, repo, fingerprint, run_id, patch, model, tokens_in, tokens_out, cost, turns)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (forge, repo, fingerprint) DO UPDATE SET
         reused = CASE WHEN model_patches.run_id = EXCLUDED.run_id THEN model_patches.reused + 1 ELSE 0 END,
         run_id = EXCLUDED.run_id, patch = EXCLUDED.patch, model = EXCLUDED.model,
         tokens_in = EXCLUDED.tokens_in, tokens_out = EXCLUDED.tokens_out, cost = EXCLUDED.cost,
         turns = EXCLUDED.turns, verified_at = now()`,
      [p.forge, p.repo, p.fingerprint, p.runId, p.patch, p.model, p.tokensIn, p.tokensOut, p.cost, p.turns],
    );
  }

  /**
   * Records a model run's start unless `refuse`, given today's runs of its repository and of its
   * installation, names a budget it would overrun. Counting and inserting happen under one lock
   * per installation, so concurrent runs cannot both take a budget's last run.
   */
  async reserveRun(
    run: { runId: string; forge: string; repo: string; installation: string; model: string; dayStart: Date },
    refuse: (today: { repository: number; installation: number }) => Refusal | null,
  ): Promise<Refusal | null> {
    return this.db.withLock(`model-budget:${run.installation}`, async () => {
      const { rows } = await this.db.query<{ repository: unknown; installation: unknown }>(
        `SELECT count(*) FILTER (WHERE forge = $2 AND repo = $3) AS repository, count(*) AS installation
           FROM model_runs WHERE installation = $1 AND started_at >= $4`,
        [run.installation, run.forge, run.repo, run.dayStart.toISOString()],
      );
      const today = { repository: Number(rows[0]?.repository ?? 0), installation: Number(rows[0]?.installation ?? 0) };
      const refusal = refuse(today);
      if (refusal) return refusal;
      await this.db.query(
        "INSERT INTO model_runs (run_id, forge, repo, installation, model) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (run_id) DO NOTHING",
        [run.runId, run.forge, run.repo, run.installation, run.model],
      );
      return null;
    });
  }

  /** Adds what the run spent: a run resumed after an approval that asks the model again adds to its first spend. */
  async finishRun(runId: string, outcome: string, spent: ModelSpend): Promise<void> {
    await this.db.query(
      `UPDATE model_runs SET outcome = $2, tokens_in = tokens_in + $3, tokens_out = tokens_out + $4, cost = cost + $5,
         turns = turns + $6, wall_ms = wall_ms + $7, finished_at = now() WHERE run_id = $1`,
      [runId, outcome, spent.tokensIn, spent.tokensOut, spent.cost, spent.turns, spent.wallMs],
    );
  }
}
