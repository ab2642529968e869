/** The vocabulary every other concern speaks about a classified log. */

export const CLASSIFICATIONS = [
  "Error",
  "Warning",
  "Success",
  "Info",
  "Verbose",
  "Security",
  "Anomaly",
  "ActionItem",
] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

export const CATEGORIES = [
  "lint",
  "format",
  "typecheck",
  "test",
  "build",
  "dependency",
  "timeout",
  "oom",
  "infra",
  "security",
] as const;
export type Category = (typeof CATEGORIES)[number];

/** A diagnosis names one of the failure categories, or says honestly that it does not know. */
export type DiagnosisCategory = Category | "unknown" | "passed";

export const SOURCES = ["shell", "log", "event"] as const;
export type StreamSource = (typeof SOURCES)[number];

export const ACTIONS = ["emit", "suppress", "transform"] as const;
export type MatcherAction = (typeof ACTIONS)[number];

export type Severity = "error" | "warning" | "notice";

export const ROUTING_TARGETS = ["agent-inbox", "check-annotation", "comment", "slack", "webhook", "escalate"] as const;
export type RoutingTarget = (typeof ROUTING_TARGETS)[number];

/** Classifications that mean "this run failed" when no later evidence says otherwise. */
export const FAILING_CLASSIFICATIONS: ReadonlySet<Classification> = new Set(["Error", "Security"]);

export interface StepRef {
  /** The CI step: a GitHub Actions `Run …` group or a GitLab top-level section. */
  readonly name: string;
  /** The innermost open group or section when it differs from the step. */
  readonly section?: string;
}

export interface Finding {
  readonly ruleId: string;
  readonly sentinelId: string;
  readonly tool: string | null;
  readonly classification: Classification;
  readonly category: Category | null;
  readonly severity: Severity;
  readonly confidence: number;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly code?: string;
  /**
   * The failing test the finding is about, as the runner printed it (a `test` group). Findings
   * naming the same test are one error.
   */
  readonly test?: string;
  /**
   * The line restates failures reported elsewhere (a count, a banner, a recap list): it says the
   * run failed but is never counted as an error nor taken for the first error line.
   */
  readonly summary?: true;
  /**
   * 1-based line number in the log: the finding's first line (for a finding read over several
   * lines, the line that carries its message).
   */
  readonly logLine: number;
  /** For a finding read over several lines: the first and last log line it was read from. */
  readonly logLines?: { readonly first: number; readonly last: number };
  readonly step?: StepRef;
  /** Milliseconds since the epoch, from the log's own timestamps or the live clock. */
  readonly time?: number;
}

export interface LogLineRef {
  readonly lineNumber: number;
  readonly text: string;
  readonly step?: StepRef;
}

export interface Evidence {
  readonly startLine: number;
  readonly lines: readonly string[];
}

export interface StepSummary {
  readonly name: string;
  readonly firstLine: number;
  readonly errors: number;
  readonly warnings: number;
}

export interface DiagnosisStats {
  readonly bytes: number;
  readonly lines: number;
  readonly candidateLines: number;
  /** The log was longer than the byte cap; `bytes` were read. */
  readonly truncated: boolean;
  /**
   * Matching stopped before the end of the log: `cpu-budget` when the rules used up the time one
   * diagnosis may spend (`stats.lines` were read; the summary says so). Absent otherwise.
   */
  readonly stopped?: "cpu-budget";
  readonly findingsDropped: number;
}

export interface Diagnosis {
  readonly schemaVersion: 1;
  readonly status: "failed" | "passed" | "unknown";
  readonly category: DiagnosisCategory;
  readonly tool: string | null;
  readonly confidence: number;
  readonly summary: string;
  readonly fingerprint: string;
  readonly step: StepRef | null;
  readonly firstErrorLine: LogLineRef | null;
  readonly evidence: Evidence | null;
  /**
   * One finding per diagnostic: findings of the same error (matched by two rules, or over
   * several lines, or naming the same test) are merged into the first of them, which carries the
   * first file:line any of them had. Summary findings are kept, flagged `summary`.
   */
  readonly findings: readonly Finding[];
  /** Error-level diagnostics in `findings` (summaries and findings below confidence 0.5 excluded). */
  readonly errorCount: number;
  /** Warning-level diagnostics in `findings` (summaries excluded). */
  readonly warningCount: number;
  /** Counts of error findings per category, to show when a log failed in more than one way. */
  readonly categories: Readonly<Partial<Record<Category | "unknown", number>>>;
  /** For `unknown`: the last lines that looked like errors, so a human can start there. */
  readonly lastErrorLines: readonly LogLineRef[];
  readonly steps: readonly StepSummary[];
  readonly exitCode?: number;
  readonly stats: DiagnosisStats;
}
