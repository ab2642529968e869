export { parseProblemMatchers, parseProblemMatcherText, MAX_MATCHER_FILE_LENGTH } from "./parse-problem-matchers.js";
export { ProblemMatcherState } from "./problem-matcher-state.js";
export { ProblemMatcherSet, type ProblemMatcherSetOptions } from "./problem-matcher-set.js";
export { resolveMatchPath, type ResolveMatchPathOptions } from "./resolve-match-path.js";
export { toProblemMatch, normaliseSeverity, type DebugLog } from "./to-problem-match.js";
export { stripRunnerColorCodes } from "./strip-runner-color-codes.js";
export type {
  ParsedProblemMatchers,
  ProblemMatch,
  ProblemMatcherDefinition,
  ProblemMatcherError,
  ProblemPattern,
  ProblemSeverity,
  RawProblemMatch,
} from "./types.js";
