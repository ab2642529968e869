export * from "./model/types.js";
export {
  compilePattern,
  preloadPatternEngine,
  type CompiledPattern,
  type PatternMatch,
} from "./regex/compile-pattern.js";
export { estimateProgramSize } from "./regex/estimate-program-size.js";
export { sentinelSchema, type SentinelDefinition } from "./rules/schema.js";
export { sentinelJsonSchema } from "./rules/json-schema.js";
export type { RuleSet, RuleIssue, CompiledSentinel } from "./rules/rule-set.js";
export {
  loadRuleFiles,
  loadBuiltinRules,
  mergeRuleSets,
  parseRuleText,
  BUILTIN_SENTINELS_DIR,
  type ParseRuleOptions,
} from "./rules/load-rules.js";
export type { RuleOrigin } from "./rules/compile-regex-matcher.js";
export {
  createClassifier,
  type Classifier,
  type ClassifierEvent,
  type ClassifierOptions,
} from "./engine/create-classifier.js";
export { classifyStream, classifyText, FILE_CHUNK_BYTES } from "./engine/classify-stream.js";
export { DEFAULT_CPU_BUDGET_MS } from "./engine/cpu-budget.js";
export { cleanLine, type CleanLine } from "./engine/clean-line.js";
export type { RoutedEvent } from "./engine/router.js";
export {
  capProblems,
  formatFileProblem,
  loadRepositoryJson,
  loadRepositoryYaml,
  loadRepositoryYamlDocuments,
  moreProblems,
  type FileProblem,
  type LoadedDocument,
  type Locate,
  type RepositoryFileKind,
} from "./repository-file/index.js";
export * from "./repository-file/limits.js";
export { programBudget, type ProgramBudget } from "./regex/program-budget.js";
