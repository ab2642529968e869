import type { Diagnosis } from "../../sentinel/index.js";
import type { RunCheck } from "./check-result.js";
import type { LlmAccounting, LlmOutcome } from "./outcome.js";
import type { PatchedChange } from "./tools.js";

/**
 * A model-driven agent's side of the Agent SDK. A recipe plans commands; a model agent is handed
 * the run's worktree and works in it through its own confined tools, re-running the failing
 * command only through `runCheck`, which the pipeline runs in the sandbox. VERIFY, the blast
 * radius, the policy gate, tiers and the ledger then treat its change like a recipe's.
 */
export interface ModelWorker {
  /** The model's name, as the endpoint knows it (for the pull request, the ledger and /metrics). */
  readonly model: string;
  work(job: ModelJob): Promise<ModelWork>;
  /** VERIFY passed: the patch is remembered under the failure's fingerprint, to be reused at zero tokens. */
  remember(verified: VerifiedModelPatch): Promise<void>;
}

/** What the pipeline hands a model agent for one run. */
export interface ModelJob {
  readonly runId: string;
  readonly worktree: string;
  /** git's environment for the worktree: its administrative directory named, hooks and fsmonitor off. */
  readonly gitEnv: Readonly<Record<string, string>>;
  readonly diagnosis: Diagnosis;
  /** The command CI ran (untrusted text: it goes to the model as data). */
  readonly failingCommand: readonly string[];
  readonly runCheck: RunCheck;
  /** Why the patches' change goes beyond the blast radius, or null; asked after every patch. */
  readonly checkEdit: (change: PatchedChange) => Promise<string | null>;
  /** The repository's limits in words, for the prompt: they narrow Sentinel's rules, never widen them. */
  readonly repositoryRules: string;
  /** Epoch ms: the pipeline run's deadline, after which no model call starts. */
  readonly deadline: number;
  /** Appends to the run's ledger. */
  readonly record: (kind: string, data: Record<string, unknown>) => Promise<void>;
}

/** How a model agent's work ended; the pipeline turns each into the run's next step. */
export type ModelWork =
  /** A daily budget was spent: no model call was made. `rule` names the budget. */
  | { readonly kind: "refused"; readonly rule: string; readonly message: string; readonly accounting: LlmAccounting }
  /** The patch verified for this fingerprint before applied and passed again: zero model calls. */
  | {
      readonly kind: "reused";
      readonly fromRunId: string;
      /** What writing the patch cost when the model wrote it. */
      readonly original: LlmAccounting;
      readonly accounting: LlmAccounting;
      /** The files the patch changed: the fix is these, not what re-running the command left behind. */
      readonly patched: readonly string[];
    }
  | {
      readonly kind: "ran";
      readonly outcome: LlmOutcome;
      readonly accounting: LlmAccounting;
      readonly patched: readonly string[];
    };

export interface VerifiedModelPatch {
  readonly runId: string;
  readonly fingerprint: string;
  /** `git diff` of the verified change. */
  readonly patch: string;
  readonly work: ModelWork;
}

/** A verified patch as the fingerprint cache keeps it. */
export interface StoredModelPatch {
  readonly runId: string;
  readonly patch: string;
  readonly model: string;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly cost: number;
  readonly turns: number;
}

/** Model runs started today (UTC), counted while the budgets' lock is held. */
export interface RunsToday {
  readonly repository: number;
  readonly installation: number;
}

/**
 * Where a model agent keeps what outlives a run: verified patches per fingerprint, and the model
 * runs each budget counts. Implemented over the database by the store (ModelStore).
 */
export interface ModelMemory {
  findPatch(forge: string, repo: string, fingerprint: string): Promise<StoredModelPatch | null>;
  savePatch(p: StoredModelPatch & { forge: string; repo: string; fingerprint: string }): Promise<void>;
  /**
   * Starts a model run unless `refuse`, asked with today's counts under a lock every process
   * shares, says why not: two runs can never both take a budget's last run.
   */
  reserveRun(
    run: { runId: string; forge: string; repo: string; installation: string; model: string; dayStart: Date },
    refuse: (today: RunsToday) => { rule: string; message: string } | null,
  ): Promise<{ rule: string; message: string } | null>;
  finishRun(runId: string, outcome: string, accounting: LlmAccounting): Promise<void>;
}
