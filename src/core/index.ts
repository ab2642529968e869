// The domain's shared vocabulary: error classes with codes and the outcome they lead to, the forge
// and failure nouns, the command language and what a delivery reads as. Every concern may import
// from here; core imports from no other concern.
export { SentinelError, UnrecoverableError, isSentinelError, isUnrecoverable, type ErrorCode } from "./errors.js";
export { isRetried, outcomeOf, type Outcome } from "./outcomes.js";
export { logToStderr, type OnError } from "./report-error.js";
export { VERSION } from "./version.js";
export { silentLogger } from "./silent-logger.js";
export { commandLine } from "./command-line.js";
export { connectionProblem, hostAndPort } from "./connection-problem.js";
export { globMatch } from "./glob-match.js";
export { KeyedMutex } from "./keyed-mutex.js";
export { DEFAULT_FIX_RUNNER_LINGER_S, DEFAULT_STORE_LINGER_S } from "./store-linger.js";
export { DEFAULT_BODY_DEADLINE_MS, DEFAULT_BODY_MIN_RATE } from "./body-pace-defaults.js";
export type { ForgeId, ForgeIds, FailureRecord, PullRequestRef } from "./domain.js";
export {
  COMMAND_NAMES,
  type CommandName,
  type ParsedCommand,
  type CommentEvent,
  type CommentReading,
} from "./comment-event.js";
export { parseCommands, MAX_BODY_BYTES, MAX_COMMANDS, MAX_ARGS, MAX_ARG_LENGTH } from "./parse-commands.js";
export type { IngestItem } from "./ingest-item.js";
export { PACKAGE_ROOT, DIST_DIR, FROM_SOURCE } from "./package-paths.js";
export { readStampedBundle, sha256, type FileStamp, type StampedBundle } from "./stamped-bundle.js";
export { readFrames, sendFrame } from "./socket-frames.js";
export { isOwnSocket, isPrivateFolder } from "./private-socket.js";
