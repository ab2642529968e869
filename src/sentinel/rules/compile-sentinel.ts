import { compilePattern, type CompiledPattern } from "../regex/compile-pattern.js";
import type { ProgramBudget } from "../regex/program-budget.js";
import type { Locate } from "../repository-file/index.js";
import { isSentinelError } from "../../core/index.js";
import { requiredLiterals } from "../engine/required-literals.js";
import type { Classification } from "../model/types.js";
import { parseDuration, type SentinelDefinition } from "./schema.js";
import type { CompiledRegexMatcher, CompiledThenStep, CompiledRoute, CompiledSentinel, CompiledStatefulMatcher, RuleIssue } from "./rule-set.js";

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
}

/** Compiles one validated sentinel; a bad pattern drops that matcher and is reported, never thrown. */
export function compileSentinel(
  def: SentinelDefinition,
  file: string,
  locate: Locate,
  docPath: ReadonlyArray<string | number>,
  context: CompileContext,
): { sentinel: CompiledSentinel; issues: RuleIssue[] } {
  const { budget } = context;
  const issues: RuleIssue[] = [];
  const tool = def.tool ?? null;
  const regexMatchers: CompiledRegexMatcher[] = [];
  const statefulMatchers: CompiledStatefulMatcher[] = [];
  const seen = new Set<string>();
  /** Compiles a secondary pattern; a bad one is reported at its own path and drops the matcher. */
  const compileOrReport = (source: string, origin: string, ignoreCase: boolean, path: ReadonlyArray<string | number>): CompiledPattern | null => {
    try {
      return compilePattern(source, { origin, ignoreCase, budget });
    } catch (error) {
      if (!isSentinelError(error)) throw error;
      issues.push({ file, ...locate(path), code: error.code, severity: "error", message: error.message });
      return null;
    }
  };
  def.matchers.forEach((m, index) => {
    const where = [...docPath, "matchers", index];
    const ruleId = `${def.id}/${m.id}`;
    if (seen.has(m.id)) {
      issues.push({ file, ...locate([...where, "id"]), code: "E_RULE_DUPLICATE_ID", severity: "error", message: `matcher id "${m.id}" is used twice in sentinel "${def.id}".` });
      return;
    }
    seen.add(m.id);
    const category = m.category ?? def.category ?? null;
    const confidence = m.confidence ?? def.confidence;
    const classification: Classification = m.classification ?? (m.type === "stateful" ? "Anomaly" : "Error");
    if (m.type === "stateful") {
      statefulMatchers.push({
        kind: "stateful",
        ruleId,
        sentinelId: def.id,
        tool,
        count: m.count,
        ...(m.within === undefined ? {} : { withinMs: parseDuration(m.within) }),
        ...(m.withinLines === undefined ? {} : { withinLines: m.withinLines }),
        of: m.of,
        classification,
        category,
        confidence,
        ...(m.message === undefined ? {} : { message: m.message }),
      });
      return;
    }
    try {
      const pattern = compilePattern(m.pattern, { origin: `${file}: ${ruleId}`, ignoreCase: m.ignoreCase, budget });
      const literals = requiredLiterals(m.pattern);
      // The literal is what keeps a repository's rule off most lines (checked after compiling, so
      // that a pattern RE2 cannot run is reported as that first).
      if (literals === null && context.origin === "repository") {
        budget.remaining += pattern.programSize;
        issues.push({ file, ...locate([...where, "pattern"]), code: "E_PATTERN_NO_LITERAL", severity: "error", message: noLiteralMessage(ruleId) });
        return;
      }
      const then = m.then?.map((step, i) => {
        const compiled = compileOrReport(step.pattern, `${file}: ${ruleId} then[${i}]`, m.ignoreCase, [...where, "then", i, "pattern"]);
        return compiled && { pattern: compiled, within: step.within, required: step.required };
      });
      const end = m.end === undefined ? undefined : compileOrReport(m.end, `${file}: ${ruleId} end`, m.ignoreCase, [...where, "end"]);
      if (then?.some((step) => step === null) || end === null) return;
      if (literals === null && m.action !== "suppress") {
        issues.push({
          file,
          ...locate([...where, "pattern"]),
          code: "W_PATTERN_NO_LITERAL",
          severity: "warning",
          message: `${ruleId}: the pattern has no literal text of 3 or more characters that every match contains, so it runs on every line and slows classification. Add a fixed word to it if you can.`,
        });
      }
      regexMatchers.push({
        kind: "regex",
        ruleId,
        sentinelId: def.id,
        tool,
        order: 0,
        priority: m.priority,
        pattern,
        literals,
        classification,
        classificationExplicit: m.classification !== undefined,
        category,
        confidence,
        action: m.action,
        ...(m.transform === undefined ? {} : { transform: m.transform }),
        continueAfter: m.continue,
        ...(m.message === undefined ? {} : { message: m.message }),
        ...(then ? { then: then as CompiledThenStep[] } : {}),
        ...(end ? { end } : {}),
      });
    } catch (error) {
      if (!isSentinelError(error)) throw error;
      issues.push({ file, ...locate([...where, "pattern"]), code: error.code, severity: "error", message: error.message });
    }
  });
  const routes: CompiledRoute[] = def.routing.map((r) => ({
    target: r.target,
    classifications: r.classifications,
    windowMs: parseDuration(r.window.duration),
    min: r.window.min,
    max: r.window.max,
    options: r.options ?? {},
  }));
  const sentinel: CompiledSentinel = {
    id: def.id,
    name: def.name,
    ...(def.description === undefined ? {} : { description: def.description }),
    tool,
    file,
    kind: "sentinel",
    sources: def.appliesTo.sources,
    ...(def.appliesTo.jobs ? { jobs: def.appliesTo.jobs } : {}),
    ...(def.appliesTo.commands ? { commands: def.appliesTo.commands } : {}),
    whenUnknown: def.appliesTo.whenUnknown,
    regexMatchers,
    statefulMatchers,
    problemMatchers: [],
    routes,
  };
  return { sentinel, issues };
}

/** Why a repository pattern without a literal is refused, and what to do about it. */
export function noLiteralMessage(what: string): string {
  return (
    `${what}: the pattern has no fixed text of 3 or more characters that every match contains, so it would run on every log line. ` +
    "Add a fixed word the line must contain (the tool's name, `error:`, a code prefix); rules from a repository must have one."
  );
}
