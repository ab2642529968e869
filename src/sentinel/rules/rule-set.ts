import type { CompiledPattern } from "../regex/compile-pattern.js";
import type { ProblemMatcherMeta } from "./problem-matcher-meta.js";
import type { Category, Classification, MatcherAction, RoutingTarget, StreamSource } from "../model/types.js";
import type { ProblemMatcherDefinition } from "../problem-matcher/index.js";

/** A rule file problem, reported with the place a person should look. */
export interface RuleIssue {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly code: string;
  readonly message: string;
  readonly severity: "error" | "warning";
}

export interface TransformSpec {
  readonly message?: string;
  readonly code?: string;
  readonly file?: string;
  readonly stripFilePrefix?: string;
  readonly classification?: Classification;
  readonly category?: Category;
}

export interface CompiledRegexMatcher {
  readonly kind: "regex";
  readonly ruleId: string;
  readonly sentinelId: string;
  readonly tool: string | null;
  /** Position in evaluation order: priority first, then load order. */
  order: number;
  readonly priority: number;
  readonly pattern: CompiledPattern;
  /** Prefilter OR-set; null means the pattern must run on every line. */
  readonly literals: readonly string[] | null;
  /** More OR-sets every match holds one of (checked on a candidate line before the pattern runs). */
  readonly clauses?: readonly (readonly string[])[];
  readonly classification: Classification;
  readonly classificationExplicit: boolean;
  readonly category: Category | null;
  readonly confidence: number;
  readonly action: MatcherAction;
  readonly transform?: TransformSpec;
  readonly continueAfter: boolean;
  /** Restates failures reported elsewhere: never counted, never the first error line. */
  readonly summary: boolean;
  readonly message?: string;
  /** Follow-up lines that complete the finding before it is emitted. */
  readonly then?: readonly CompiledThenStep[];
  readonly end?: CompiledPattern;
}

export interface CompiledThenStep {
  readonly pattern: CompiledPattern;
  readonly within: number;
  readonly required: boolean;
}

export interface CompiledStatefulMatcher {
  readonly kind: "stateful";
  readonly ruleId: string;
  readonly sentinelId: string;
  readonly tool: string | null;
  readonly count: number;
  readonly withinMs?: number;
  readonly withinLines?: number;
  readonly of: {
    readonly classification?: readonly Classification[];
    readonly category?: readonly Category[];
    readonly rule?: readonly string[];
  };
  readonly classification: Classification;
  readonly category: Category | null;
  readonly confidence: number;
  readonly message?: string;
}

export interface CompiledRoute {
  readonly target: RoutingTarget;
  readonly classifications: readonly Classification[];
  readonly windowMs: number;
  readonly min: number;
  readonly max: number;
  readonly options: Readonly<Record<string, string | number | boolean>>;
}

export interface CompiledProblemMatcher {
  readonly sentinelId: string;
  readonly definition: ProblemMatcherDefinition;
  /** Per pattern, its prefilter literals (null: none). */
  readonly literals: ReadonlyArray<readonly string[] | null>;
  /** Per pattern, more OR-sets every match holds one of. */
  readonly clauses?: ReadonlyArray<readonly (readonly string[])[]>;
  /** What its findings mean to a diagnosis (its `sentinel` property, else known by owner). */
  readonly meta: ProblemMatcherMeta;
}

export interface CompiledSentinel {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly tool: string | null;
  readonly file: string;
  readonly kind: "sentinel" | "problem-matcher";
  readonly sources: readonly StreamSource[];
  readonly jobs?: readonly string[];
  readonly commands?: readonly string[];
  /** Whether the sentinel runs when the job name or command its globs name is not known. */
  readonly whenUnknown: "apply" | "skip";
  readonly regexMatchers: readonly CompiledRegexMatcher[];
  readonly statefulMatchers: readonly CompiledStatefulMatcher[];
  readonly problemMatchers: readonly CompiledProblemMatcher[];
  readonly routes: readonly CompiledRoute[];
}

export interface RuleSet {
  readonly sentinels: readonly CompiledSentinel[];
  readonly issues: readonly RuleIssue[];
}
