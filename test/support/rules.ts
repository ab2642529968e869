import { parseRuleText, type RuleSet } from "../../src/sentinel/index.js";

/** Compiles an inline YAML rule file and fails loudly if it has errors. */
export function rulesFromYaml(yaml: string, file = "inline.yml"): RuleSet {
  const { sentinels, issues } = parseRuleText(yaml, file);
  const errors = issues.filter((i) => i.severity === "error");
  if (errors.length > 0) throw new Error("test rules are invalid: " + JSON.stringify(errors));
  return { sentinels, issues };
}
