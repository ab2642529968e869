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
  // Queue, worker and the concerns around them (errors-and-outcomes work): forges, git, sandbox,
  // store, ledger, server, dashboard, chat.
  | "E_QUEUE_CLOSED"
  | "E_QUEUE_NO_HANDLER"
  | "E_QUEUE_NOT_IDLE"
  | "E_NOT_INSTALLED"
  | "E_FORGE_API"
  | "E_FORGE_UNSUPPORTED"
  | "E_FORGE_RESPONSE"
  | "E_INSTALLATION_UNKNOWN"
  | "E_FORGE_CONFIG_INVALID"
  | "E_REPO_NAME"
  | "E_REMOTE_REFUSED"
  | "E_GIT_CLONE"
  | "E_GIT_FAILED"
  | "E_GIT_REFUSED"
  | "E_SANDBOX_CONFIG"
  | "E_SANDBOX_NETWORK_UNISOLATED"
  | "E_SANDBOX_EGRESS_POLICY"
  | "E_SANDBOX_ENV_DENIED"
  | "E_SANDBOX_CGROUP"
  | "E_SANDBOX_EMPTY_COMMAND"
  | "E_HOST_RULE"
  | "E_DB_MIGRATIONS_PENDING"
  | "E_DB_ROLES_NOT_SEPARATED"
  | "E_DB_MIGRATION_URL_ALONE"
  | "E_DB_LEDGER_PRIVILEGES"
  | "E_LEDGER_NO_HEAD"
  | "E_LEDGER_FILE"
  | "E_CHECKPOINT_URL"
  | "E_CHECKPOINT_POST"
  | "E_BODY_TOO_LARGE"
  | "E_BODY_TOO_SLOW"
  | "E_BODY_NO_ROOM"
  | "E_REQUEST_ABORTED"
  | "E_SERVER_OPTION"
  | "E_DASHBOARD_TOKEN"
  | "E_SLACK_CONFIG"
  | "E_DURATION"
  | "E_POLICY_DATE"
  // Ingest and the fix pipeline: jobs whose input is gone or not fixable, and locks not had.
  | "E_DELIVERY_UNKNOWN"
  | "E_FAILURE_UNKNOWN"
  | "E_FAILURE_NO_JOB"
  | "E_FIX_NO_DIAGNOSIS"
  | "E_FIX_NOT_CONFIGURED"
  | "E_LOCK_TIMEOUT"
  | "E_INGEST_UNSETTLED"
  | "E_DB_MIGRATIONS_FAILED"
  /** The child process that holds the CLI's PGlite store (store-host.ts) went away mid-run. */
  | "E_STORE_HOST_EXITED"
  /** Another live process holds the PGlite data folder (store-owner.ts). */
  | "E_STORE_BUSY"
  | "E_ENV_UNDOCUMENTED"
  | "E_ENV_TABLE_MARKERS"
  // Start-up: the environment's configuration, and the services it names (PostgreSQL, Redis).
  | "E_ENV_INVALID"
  | "E_ENV_PRIVATE_KEY"
  | "E_ENV_GITLAB_URL"
  | "E_POSTGRES_UNREACHABLE"
  | "E_REDIS_UNREACHABLE"
  // Forge adapters (one folder per forge): an id no adapter answers to, GitLab's webhook secrets.
  | "E_FORGE_UNKNOWN"
  | "E_FORGE_NOT_CONFIGURED"
  | "E_FORGE_DUPLICATE"
  | "E_GITLAB_SECRETS";

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
