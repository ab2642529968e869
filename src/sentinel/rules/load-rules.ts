// The rule loader's public face: parsing rule text (parse-rule-text.ts, with YAML and zod) and
// reading rule files and the builtins (load-rule-files.ts, which loads the parser only when needed).
export { parseRuleText, type ParseRuleOptions } from "./parse-rule-text.js";
export {
  BUILTIN_SENTINELS_DIR,
  MAX_RULE_FILE_BYTES,
  loadBuiltinRules,
  loadRuleFiles,
  mergeRuleSets,
} from "./load-rule-files.js";
