import { Counter, Histogram, type Registry } from "prom-client";

/**
 * The llm-patch agent's instruments: runs, tokens, cost, turns and wall time, by repository and
 * model (a repository's label is its path; deployments with many repositories using the model
 * can aggregate it away in their queries).
 */
export function modelMetrics(registry: Registry) {
  return {
    modelRuns: new Counter({
      name: "sentinel_model_runs_total",
      help: "llm-patch agent runs by repository, model and outcome (fixed, handoff, failed, reused: a cached patch at zero tokens, refused: a daily budget).",
      labelNames: ["forge", "repo", "model", "outcome"] as const,
      registers: [registry],
    }),
    modelTokens: new Counter({
      name: "sentinel_model_tokens_total",
      help: "Tokens the llm-patch agent sent (in) and received (out), by repository and model.",
      labelNames: ["forge", "repo", "model", "direction"] as const,
      registers: [registry],
    }),
    modelCost: new Counter({
      name: "sentinel_model_cost_total",
      help: "What the llm-patch agent's tokens cost, by repository and model, in the units of SENTINEL_LLM_PRICE_*_PER_1K.",
      labelNames: ["forge", "repo", "model"] as const,
      registers: [registry],
    }),
    modelTurns: new Counter({
      name: "sentinel_model_turns_total",
      help: "Model calls that returned a usable answer, by repository and model.",
      labelNames: ["forge", "repo", "model"] as const,
      registers: [registry],
    }),
    modelRunSeconds: new Histogram({
      name: "sentinel_model_run_seconds",
      help: "Wall time of an llm-patch agent's work in a run (model calls and run_check), by repository and model.",
      labelNames: ["forge", "repo", "model"] as const,
      buckets: [0.5, 1, 5, 15, 30, 60, 120, 300, 600],
      registers: [registry],
    }),
  };
}
