import type { Diagnosis } from "../sentinel/index.js";
import type { ModelWorker } from "./llm/model-worker.js";

/** What an agent sees when deciding whether and how to fix a failure. */
export interface AgentContext {
  readonly diagnosis: Diagnosis;
  /** True when the path exists in the worktree (or, before one exists, in the repository). */
  fileExists(path: string): boolean;
  /** The command that failed in CI, when the log names it (a GitHub `Run …` step, a GitLab `$ …` line). */
  readonly failingCommand: readonly string[] | null;
  /**
   * A file of the worktree as text (package.json, to follow `npm run lint` to its command), or
   * null when it is missing, outside the worktree or too large. Without it no script is followed.
   */
  readFile?(path: string): string | null;
}

export type OnError = "abort" | "continue" | "retry" | "escalate";

export interface PlannedStep {
  readonly id: string;
  readonly command: readonly string[];
  readonly network: boolean;
  readonly timeoutMs: number;
  readonly onError: OnError;
  readonly retries: number;
}

/**
 * The Agent SDK: an agent says which diagnoses it handles (and how sure it is), plans ordered
 * steps, and names what VERIFY runs. The pipeline executes the steps in the sandbox; an agent
 * never touches git, the network or a token itself.
 */
export interface Agent {
  readonly id: string;
  readonly name: string;
  /** Confidence 0-1 that this agent fixes the diagnosed failure, or null when it does not handle it. */
  handles(ctx: AgentContext): number | null;
  plan(ctx: AgentContext): PlannedStep[];
  /** Why the agent does not handle a failure of its tool (for the message when no agent does), or null. */
  declined?(ctx: AgentContext): string | null;
  /** What VERIFY re-runs; null means the failing command itself. */
  verifyCommand(ctx: AgentContext): readonly string[] | null;
  /**
   * A model-driven agent (llm-patch): EXECUTE runs its worker instead of planned steps, and
   * selectAgent considers it only when no other agent handles the failure.
   */
  readonly model?: ModelWorker;
}

/** Splits a recipe's command string on whitespace: no shell, no quoting, no expansion. */
export function toArgv(run: string | readonly string[]): string[] {
  return typeof run === "string" ? run.trim().split(/\s+/) : [...run];
}
