/**
 * Every error Sentinel raises on purpose carries a stable code (for tests, logs and the outcome
 * table) and a message written for the person who has to act on it.
 */
export type ErrorCode =
  | "E_PATTERN_SYNTAX"
  | "E_PATTERN_TOO_LONG"
  | "E_RULE_YAML"
  | "E_RULE_SCHEMA"
  | "E_RULE_DUPLICATE_ID"
  | "E_RULE_FILE_TOO_LARGE"
  | "E_RULE_FILE_UNREADABLE"
  | "E_PROBLEM_MATCHER"
  | "E_USAGE"
  | "E_INPUT_UNREADABLE"
  // Start-up: the environment's configuration, and the services it names (PostgreSQL, Redis).
  | "E_ENV_INVALID"
  | "E_ENV_PRIVATE_KEY"
  | "E_ENV_GITLAB_URL"
  | "E_POSTGRES_UNREACHABLE"
  | "E_REDIS_UNREACHABLE";

export class SentinelError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SentinelError";
    this.code = code;
  }
}

export function isSentinelError(value: unknown): value is SentinelError {
  return value instanceof SentinelError;
}

/**
 * An error that no retry can fix (the failure has no diagnosis, the repository's config refuses
 * it, the input is malformed): the queue runs the job once and records the outcome instead of
 * retrying it. Anything else thrown from a job is retried up to the job's attempts.
 */
export class UnrecoverableError extends SentinelError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "UnrecoverableError";
  }
}

export function isUnrecoverable(value: unknown): value is UnrecoverableError {
  return value instanceof UnrecoverableError;
}
