import { loadBuiltinRules, loadRuleFiles, mergeRuleSets, type RuleIssue, type RuleSet } from "../sentinel/index.js";

export interface RuleFlags {
  rules?: string[];
  builtin?: boolean;
}

/** Builtins plus the user's `--rules`; rule problems go to stderr and never stop classification. */
export async function loadCliRules(flags: RuleFlags, stderr: NodeJS.WritableStream): Promise<RuleSet> {
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
