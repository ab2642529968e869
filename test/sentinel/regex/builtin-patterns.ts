import { loadBuiltinRules } from "../../../src/sentinel/index.js";
import { toRe2Syntax } from "../../../src/sentinel/regex/compile-pattern.js";

export interface BuiltinPattern {
  /** Rule id, or problem-matcher owner and pattern index. */
  readonly id: string;
  /** In RE2 syntax (a problem matcher's pattern translated from JavaScript's). */
  readonly source: string;
  readonly ignoreCase: boolean;
}

/** Every pattern of the builtin sentinels, regex rules and problem matchers alike. */
export async function builtinPatterns(): Promise<BuiltinPattern[]> {
  const rules = await loadBuiltinRules();
  const out: BuiltinPattern[] = [];
  for (const s of rules.sentinels) {
    for (const m of s.regexMatchers)
      out.push({ id: m.ruleId, source: m.pattern.source, ignoreCase: m.pattern.ignoreCase });
    for (const pm of s.problemMatchers)
      pm.definition.patterns.forEach((p, i) =>
        out.push({
          id: `${pm.definition.owner}[${i}]`,
          source: toRe2Syntax(p.regexp.source, "javascript", pm.definition.owner),
          ignoreCase: p.regexp.ignoreCase,
        }),
      );
  }
  return out;
}
