import type { Locate } from "../repository-file/index.js";
import { compileRegexMatcher, type CompileContext, type MatcherBasics } from "./compile-regex-matcher.js";
import { parseDuration } from "./duration.js";
import type { SentinelDefinition, StatefulMatcherDefinition } from "./schema.js";
import type {
  CompiledRegexMatcher,
  CompiledRoute,
  CompiledSentinel,
  CompiledStatefulMatcher,
  RuleIssue,
} from "./rule-set.js";

/** Compiles one validated sentinel; a bad pattern drops that matcher and is reported, never thrown. */
export function compileSentinel(
  def: SentinelDefinition,
  file: string,
  locate: Locate,
  docPath: ReadonlyArray<string | number>,
  context: CompileContext,
): { sentinel: CompiledSentinel; issues: RuleIssue[] } {
  const issues: RuleIssue[] = [];
  const scope = { file, locate, context, issues };
  const tool = def.tool ?? null;
  const regexMatchers: CompiledRegexMatcher[] = [];
  const statefulMatchers: CompiledStatefulMatcher[] = [];
  const seen = new Set<string>();
  def.matchers.forEach((m, index) => {
    const where = [...docPath, "matchers", index];
    const ruleId = `${def.id}/${m.id}`;
    if (seen.has(m.id)) {
      issues.push({
        file,
        ...locate([...where, "id"]),
        code: "E_RULE_DUPLICATE_ID",
        severity: "error",
        message: `matcher id "${m.id}" is used twice in sentinel "${def.id}".`,
      });
      return;
    }
    seen.add(m.id);
    const basics: MatcherBasics = {
      ruleId,
      sentinelId: def.id,
      tool,
      classification: m.classification ?? (m.type === "stateful" ? "Anomaly" : "Error"),
      category: m.category ?? def.category ?? null,
      confidence: m.confidence ?? def.confidence,
    };
    if (m.type === "stateful") {
      statefulMatchers.push(statefulMatcher(m, basics));
      return;
    }
    const compiled = compileRegexMatcher(m, basics, where, scope);
    if (compiled) regexMatchers.push(compiled);
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

function statefulMatcher(m: StatefulMatcherDefinition, basics: MatcherBasics): CompiledStatefulMatcher {
  return {
    kind: "stateful",
    ruleId: basics.ruleId,
    sentinelId: basics.sentinelId,
    tool: basics.tool,
    count: m.count,
    ...(m.within === undefined ? {} : { withinMs: parseDuration(m.within) }),
    ...(m.withinLines === undefined ? {} : { withinLines: m.withinLines }),
    of: m.of,
    classification: basics.classification,
    category: basics.category,
    confidence: basics.confidence,
    ...(m.message === undefined ? {} : { message: m.message }),
  };
}
