import { isSentinelError } from "../../core/index.js";
import { requiredLiteralClauses } from "../engine/required-literals.js";
import { compilePattern, type CompiledPattern } from "../regex/compile-pattern.js";
import { lazyPattern } from "../regex/lazy-pattern.js";
import type { CompiledFacts, RuleFacts } from "./builtin-bundle.js";
import type { ProgramBudget } from "../regex/program-budget.js";
import type { Locate } from "../repository-file/index.js";
import type { CompiledRegexMatcher, CompiledThenStep, RuleIssue } from "./rule-set.js";
import type { RegexMatcherDefinition } from "./schema.js";

/**
 * Who wrote the rules. A repository's rules are held to more than the builtins: a pattern the
 * prefilter cannot skip lines for is refused, where a builtin only gets a warning (and the
 * builtin tests keep them at none).
 */
export type RuleOrigin = "builtin" | "repository";

export interface CompileContext {
  readonly origin: RuleOrigin;
  /** RE2 instructions left for this file's patterns (shared with the repository's other rule files). */
  readonly budget: ProgramBudget;
  /** What the build found compiling these rules (builtin-bundle.ts), by rule id: their patterns compile lazily. */
  readonly known?: Readonly<Record<string, RuleFacts>>;
}

/** Where a sentinel's matchers come from and where the problems found in them are reported. */
export interface MatcherScope {
  readonly file: string;
  readonly locate: Locate;
  readonly context: CompileContext;
  readonly issues: RuleIssue[];
}

/** What a matcher shares with the others of its sentinel, its defaults already applied. */
export type MatcherBasics = Pick<
  CompiledRegexMatcher,
  "ruleId" | "sentinelId" | "tool" | "classification" | "category" | "confidence"
>;

/**
 * Compiles one regex matcher with its `then` steps and `end`; null when a pattern is bad or, for a
 * repository, has no literal (the reason is in `scope.issues`).
 */
export function compileRegexMatcher(
  m: RegexMatcherDefinition,
  basics: MatcherBasics,
  where: ReadonlyArray<string | number>,
  scope: MatcherScope,
): CompiledRegexMatcher | null {
  const { file, locate, context, issues } = scope;
  const { ruleId } = basics;
  const { budget } = context;
  const facts = context.known?.[ruleId];
  if (facts) return knownMatcher(m, basics, facts, scope);
  try {
    const pattern = compilePattern(m.pattern, { origin: `${file}: ${ruleId}`, ignoreCase: m.ignoreCase, budget });
    const [literals = null, ...clauses] = requiredLiteralClauses(m.pattern);
    // The literal is what keeps a repository's rule off most lines (checked after compiling, so
    // that a pattern RE2 cannot run is reported as that first).
    if (literals === null && context.origin === "repository") {
      budget.remaining += pattern.programSize;
      issues.push({
        file,
        ...locate([...where, "pattern"]),
        code: "E_PATTERN_NO_LITERAL",
        severity: "error",
        message: noLiteralMessage(ruleId),
      });
      return null;
    }
    const then = m.then?.map((step, i) => {
      const origin = `${file}: ${ruleId} then[${i}]`;
      const compiled = compileOrReport(step.pattern, origin, m.ignoreCase, [...where, "then", i, "pattern"], scope);
      return compiled && { pattern: compiled, within: step.within, required: step.required };
    });
    const end =
      m.end === undefined
        ? undefined
        : compileOrReport(m.end, `${file}: ${ruleId} end`, m.ignoreCase, [...where, "end"], scope);
    if (then?.some((step) => step === null) || end === null) return null;
    if (literals === null && m.action !== "suppress") {
      issues.push({
        file,
        ...locate([...where, "pattern"]),
        code: "W_PATTERN_NO_LITERAL",
        severity: "warning",
        message:
          `${ruleId}: the pattern has no literal text of 3 or more characters that every match contains, ` +
          "so it runs on every line and slows classification. Add a fixed word to it if you can.",
      });
    }
    return matcherOf(m, basics, pattern, literals, clauses, then as CompiledThenStep[] | undefined, end);
  } catch (error) {
    if (!isSentinelError(error)) throw error;
    issues.push({
      file,
      ...locate([...where, "pattern"]),
      code: error.code,
      severity: "error",
      message: error.message,
    });
    return null;
  }
}

/** A matcher the build compiled and checked: the same, with patterns compiled when first run. */
function knownMatcher(
  m: RegexMatcherDefinition,
  basics: MatcherBasics,
  facts: RuleFacts,
  scope: MatcherScope,
): CompiledRegexMatcher {
  const { ruleId } = basics;
  const origin = `${scope.file}: ${ruleId}`;
  const lazy = (source: string, f: CompiledFacts, what: string) => {
    scope.context.budget.remaining -= f.programSize;
    return lazyPattern({ ...f, source, ignoreCase: m.ignoreCase }, { origin: origin + what });
  };
  const pattern = lazy(m.pattern, facts.pattern, "");
  const then = m.then?.map((step, i) => ({
    pattern: lazy(step.pattern, facts.then![i]!, ` then[${i}]`),
    within: step.within,
    required: step.required,
  }));
  const end = m.end !== undefined && facts.end ? lazy(m.end, facts.end, " end") : undefined;
  return matcherOf(m, basics, pattern, facts.literals, facts.clauses, then, end);
}

function matcherOf(
  m: RegexMatcherDefinition,
  basics: MatcherBasics,
  pattern: CompiledPattern,
  literals: readonly string[] | null,
  clauses: readonly (readonly string[])[],
  then: readonly CompiledThenStep[] | undefined,
  end: CompiledPattern | undefined,
): CompiledRegexMatcher {
  return {
    kind: "regex",
    ruleId: basics.ruleId,
    sentinelId: basics.sentinelId,
    tool: basics.tool,
    order: 0,
    priority: m.priority,
    pattern,
    literals,
    ...(clauses.length > 0 ? { clauses } : {}),
    classification: basics.classification,
    classificationExplicit: m.classification !== undefined,
    category: basics.category,
    confidence: basics.confidence,
    action: m.action,
    ...(m.transform === undefined ? {} : { transform: m.transform }),
    continueAfter: m.continue,
    summary: m.summary,
    ...(m.message === undefined ? {} : { message: m.message }),
    ...(then ? { then } : {}),
    ...(end ? { end } : {}),
  };
}

/** Why a repository pattern without a literal is refused, and what to do about it. */
export function noLiteralMessage(what: string): string {
  return (
    `${what}: the pattern has no fixed text of 3 or more characters that every match contains, ` +
    "so it would run on every log line. Add a fixed word the line must contain " +
    "(the tool's name, `error:`, a code prefix); rules from a repository must have one."
  );
}

/** Compiles a secondary pattern; a bad one is reported at its own path and drops the matcher. */
function compileOrReport(
  source: string,
  origin: string,
  ignoreCase: boolean,
  path: ReadonlyArray<string | number>,
  scope: MatcherScope,
): CompiledPattern | null {
  try {
    return compilePattern(source, { origin, ignoreCase, budget: scope.context.budget });
  } catch (error) {
    if (!isSentinelError(error)) throw error;
    scope.issues.push({
      file: scope.file,
      ...scope.locate(path),
      code: error.code,
      severity: "error",
      message: error.message,
    });
    return null;
  }
}
