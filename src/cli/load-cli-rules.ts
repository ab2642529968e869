import type { RuleIssue, RuleSet } from "../sentinel/index.js";

export interface RuleFlags {
  rules?: string[];
  builtin?: boolean;
}

/** Builtins plus the user's `--rules`; rule problems go to stderr and never stop classification. */
export async function loadCliRules(flags: RuleFlags, stderr: NodeJS.WritableStream): Promise<RuleSet> {
  // The rule loader alone, not the sentinel index (which also loads the YAML and schema tooling
  // for every rule file): the builtins come from the build's bundle, so `sentinel classify`
  // loads neither YAML nor zod (load-rule-files.ts). Imported, like the engine in
  // classify-command.ts, for start-up time.
  const { loadBuiltinRules, loadRuleFiles, mergeRuleSets } = await import("../sentinel/rules/load-rule-files.js");
  const sets: RuleSet[] = [];
  if (flags.builtin !== false) sets.push(await loadBuiltinRules());
  if (flags.rules && flags.rules.length > 0) sets.push(await loadRuleFiles(flags.rules));
  const merged = mergeRuleSets(...sets);
  for (const issue of merged.issues) if (issue.severity === "error") stderr.write(formatIssue(issue) + "\n");
  return merged;
}

export function formatIssue(i: RuleIssue): string {
  const where = `${i.file}${i.line ? `:${i.line}` : ""}${i.line && i.column ? `:${i.column}` : ""}`;
  return `${where}: ${i.severity} ${i.code}: ${i.message}`;
}
