import type { CallFailure } from "./call-model.js";

/** Tokens, cost, turns and wall time of one run: what the ledger and /metrics will record. */
export interface LlmAccounting {
  model: string;
  tokensIn: number;
  tokensOut: number;
  /** tokensIn/1000 × price in + tokensOut/1000 × price out, in the prices' currency. */
  cost: number;
  /** Model calls that returned a usable answer. */
  turns: number;
  wallMs: number;
  /** Secrets replaced before anything was sent. */
  redactions: number;
}

/** `deadline`: the pipeline run's own deadline came before a fix. */
export type HandoffReason = "max-turns" | "token-budget" | "model-stopped" | "deadline";

/**
 * How a run ended. `fixed` means run_check passed in the worktree; the pipeline's own VERIFY and
 * gates still decide. A handoff and a failure both say what was tried, for the human who takes over.
 */
export type LlmOutcome =
  | { kind: "fixed"; tried: string[]; summary: string }
  | { kind: "handoff"; reason: HandoffReason; tried: string[]; summary: string }
  | { kind: "failed"; failure: CallFailure; attempts: number; tried: string[]; summary: string };

export interface LlmRunResult {
  outcome: LlmOutcome;
  accounting: LlmAccounting;
}
