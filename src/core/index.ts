// The domain's shared vocabulary: error classes with codes and the outcome they lead to. Every
// concern may import from here; core imports from no other concern.
export { SentinelError, UnrecoverableError, isSentinelError, isUnrecoverable, type ErrorCode } from "./errors.js";
export { isRetried, outcomeOf, type Outcome } from "./outcomes.js";
export { logToStderr, type OnError } from "./report-error.js";
export { VERSION } from "./version.js";
export { connectionProblem, hostAndPort } from "./connection-problem.js";
export { globMatch } from "./glob-match.js";
export { KeyedMutex } from "./keyed-mutex.js";
