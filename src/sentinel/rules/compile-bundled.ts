import { lazyPattern, type BundledPatternFacts } from "../regex/lazy-pattern.js";
import type { BundleEntry } from "./builtin-bundle.js";
import type { CompileContext } from "./compile-regex-matcher.js";
import { compileSentinel } from "./compile-sentinel.js";
import type { CompiledProblemMatcher, CompiledSentinel, RuleIssue } from "./rule-set.js";

/**
 * Builds a rule file's sentinels from its bundle entry: nothing is parsed, and each pattern is
 * compiled when a line first reaches it (the build compiled and checked them all).
 */
export function compileBundled(
  entry: BundleEntry,
  file: string,
  context: CompileContext,
): { sentinels: CompiledSentinel[]; issues: RuleIssue[] } {
  if ("sentinels" in entry) {
    const sentinels = entry.sentinels.map((s) => ({
      ...s,
      file,
      problemMatchers: s.problemMatchers.map((pm) => lazyProblemMatcher(pm, file, context)),
    }));
    return { sentinels, issues: [] };
  }
  const sentinels: CompiledSentinel[] = [];
  const issues: RuleIssue[] = [];
  const known = { ...context, known: entry.rules };
  for (const definition of entry.documents) {
    if (!definition.enabled) continue;
    // Checked at build time: an issue found now names its rule in the message but has no line.
    const result = compileSentinel(definition, file, () => ({}), [], known);
    issues.push(...result.issues);
    sentinels.push(result.sentinel);
  }
  return { sentinels, issues };
}

function lazyProblemMatcher(pm: CompiledProblemMatcher, file: string, context: CompileContext): CompiledProblemMatcher {
  const origin = `${file}: ${pm.definition.owner}`;
  const patterns = pm.definition.patterns.map((p) => {
    context.budget.remaining -= p.regexp.programSize;
    return { ...p, regexp: lazyPattern(p.regexp as BundledPatternFacts, { origin, syntax: "javascript" }) };
  });
  return { ...pm, definition: { ...pm.definition, patterns } };
}
