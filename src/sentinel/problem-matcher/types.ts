import type { ErrorCode } from "../../core/index.js";
import type { CompiledPattern } from "../regex/compile-pattern.js";

/** One `pattern[]` entry of a GitHub Actions problem matcher, with its regexp compiled. */
export interface ProblemPattern {
  readonly regexp: CompiledPattern;
  /** Group numbers as the runner counts them (0 is the whole match). */
  readonly file?: number;
  readonly fromPath?: number;
  readonly line?: number;
  readonly column?: number;
  readonly severity?: number;
  readonly code?: number;
  readonly message?: number;
  readonly loop: boolean;
  /**
   * .NET numbers unnamed groups first and named groups after them; RE2 numbers every group left
   * to right. Present only when the pattern has named groups: entry `n` is the RE2 group that the
   * runner calls group `n`.
   */
  readonly groupNumbers?: readonly number[];
}

export interface ProblemMatcherDefinition {
  readonly owner: string;
  /** The matcher's default severity exactly as written (validated: error, warning or notice in any case). */
  readonly severity?: string;
  readonly patterns: readonly ProblemPattern[];
}

export type ProblemSeverity = "error" | "warning" | "notice";

/**
 * What the runner's IssueMatcher returns (its `IssueMatch`): raw group values. `undefined` is the
 * runner's null (property not mapped); `""` is a mapped group that did not take part in the match.
 */
export interface RawProblemMatch {
  readonly owner: string;
  /** The (colour-stripped) line that completed the match. */
  readonly sourceLine: string;
  /** Not the runner's: how many lines before the completing line the match began, and its message line. */
  readonly span?: ProblemSpan;
  readonly file?: string;
  readonly fromPath?: string;
  readonly line?: string;
  readonly column?: string;
  readonly severity?: string;
  readonly code?: string;
  readonly message?: string;
}

/**
 * Where a multi-line match lies, counted back from the line that completed it (patterns match
 * consecutive lines, so this is exact; a `loop` repeat begins on its own line).
 */
export interface ProblemSpan {
  readonly startBack: number;
  readonly messageBack: number;
}

/** A match the runner would turn into an annotation (its `ConvertToIssue`, before file rooting). */
export interface ProblemMatch {
  readonly owner: string;
  readonly sourceLine: string;
  readonly span?: ProblemSpan;
  readonly file?: string;
  readonly fromPath?: string;
  readonly line?: number;
  readonly column?: number;
  readonly severity: ProblemSeverity;
  readonly code?: string;
  readonly message: string;
}

export interface ProblemMatcherError {
  /** Where in the matcher file, e.g. `problemMatcher[0].pattern[1].loop`; empty for the whole file. */
  readonly path: string;
  readonly code: ErrorCode;
  readonly message: string;
}

export interface ParsedProblemMatchers {
  readonly matchers: ProblemMatcherDefinition[];
  readonly errors: ProblemMatcherError[];
}
