export * from "./model/types.js";
export { compilePattern, type CompiledPattern, type PatternMatch } from "./regex/compile-pattern.js";
export { sentinelSchema, type SentinelDefinition } from "./rules/schema.js";
export { sentinelJsonSchema } from "./rules/json-schema.js";
export type { RuleSet, RuleIssue, CompiledSentinel } from "./rules/rule-set.js";
export { loadRuleFiles, loadBuiltinRules, mergeRuleSets, parseRuleText, BUILTIN_SENTINELS_DIR } from "./rules/load-rules.js";
export { createClassifier, type Classifier, type ClassifierEvent, type ClassifierOptions } from "./engine/create-classifier.js";
export { classifyStream, classifyText } from "./engine/classify-stream.js";
export type { RoutedEvent } from "./engine/router.js";
