import { ALWAYS_FORBIDDEN_PATHS } from "../policy/index.js";
import { globMatch } from "../core/index.js";
import type { DiffStat } from "../workspace/index.js";

export interface BlastRadius {
  readonly maxFiles: number;
  readonly maxLines: number;
  /** Globs no fix may touch (`*` matches across folders). */
  readonly forbiddenPaths: readonly string[];
}

export const DEFAULT_BLAST_RADIUS: BlastRadius = {
  maxFiles: 20,
  maxLines: 400,
  forbiddenPaths: [...ALWAYS_FORBIDDEN_PATHS],
};

/** Why a diff may not be proposed, or null when it is within the limits. */
export function blastRadiusViolation(diff: DiffStat, limits: BlastRadius): string | null {
  if (diff.files.length > limits.maxFiles) return `changes ${diff.files.length} files; the limit is ${limits.maxFiles}`;
  const lines = diff.linesAdded + diff.linesDeleted;
  if (lines > limits.maxLines) return `changes ${lines} lines; the limit is ${limits.maxLines}`;
  const forbidden = diff.files.filter((f) => limits.forbiddenPaths.some((g) => globMatch(g, f)));
  if (forbidden.length > 0) return `touches forbidden paths: ${forbidden.join(", ")}`;
  return null;
}

export interface ErrorBudgetLimits {
  readonly maxErrors: number;
  readonly maxSameError: number;
  readonly maxViolations: number;
}

export const DEFAULT_ERROR_BUDGET: ErrorBudgetLimits = { maxErrors: 3, maxSameError: 2, maxViolations: 1 };

/** Counts what went wrong in a run; `exceeded` names the limit that was crossed. */
export class ErrorBudget {
  private errors = 0;
  private violations = 0;
  private readonly same = new Map<string, number>();
  readonly log: string[] = [];

  constructor(readonly limits: ErrorBudgetLimits) {}

  error(key: string, detail: string): void {
    this.errors++;
    this.same.set(key, (this.same.get(key) ?? 0) + 1);
    this.log.push(`error ${key}: ${detail}`);
  }

  violation(detail: string): void {
    this.violations++;
    this.log.push(`procedure violation: ${detail}`);
  }

  exceeded(): string | null {
    if (this.violations >= this.limits.maxViolations)
      return `${this.violations} procedure violation(s) (limit ${this.limits.maxViolations})`;
    if (this.errors > this.limits.maxErrors) return `${this.errors} errors (limit ${this.limits.maxErrors})`;
    for (const [key, n] of this.same)
      if (n > this.limits.maxSameError) return `the same error ${n} times: ${key} (limit ${this.limits.maxSameError})`;
    return null;
  }
}

/** What a run is for and the rules it runs under; persisted with the run and shown in the PR. */
export interface InstructionPacket {
  readonly objective: string;
  readonly constraints: {
    readonly allowedPaths: readonly string[];
    readonly forbiddenPaths: readonly string[];
    readonly requiredSteps: readonly string[];
  };
  readonly successCriteria: readonly string[];
  readonly errorBudget: ErrorBudgetLimits;
  readonly blastRadius: BlastRadius;
}
