import { isSentinelError, UnrecoverableError, type ErrorCode } from "./errors.js";

/**
 * What a queued job's error leads to:
 * - `retried`: thrown back to the queue, which runs the job again with backoff up to its attempts
 *   (the default for anything not listed, since most failures are a forge or database hiccup);
 * - `unrecoverable`: the job runs once and is recorded failed, because no retry can change the
 *   answer (a refused remote, a sandbox misconfiguration, a job nobody handles);
 * - `ignored`: the job ends without an error and its subject is marked ignored with the reason
 *   (the repository is not, or no longer, installed).
 * An `UnrecoverableError` is unrecoverable whatever its code. Only codes a job handler can meet
 * are listed; the table is read by the queues and the worker, nowhere else.
 */
export type Outcome = "retried" | "unrecoverable" | "ignored";

const OUTCOMES: Readonly<Partial<Record<ErrorCode, Outcome>>> = {
  E_NOT_INSTALLED: "ignored",
  E_QUEUE_NO_HANDLER: "unrecoverable",
  // A delivery recorded for a forge no adapter answers to: no retry brings the adapter.
  E_FORGE_UNKNOWN: "unrecoverable",
  E_REMOTE_REFUSED: "unrecoverable",
  E_GIT_REFUSED: "unrecoverable",
  E_SANDBOX_CONFIG: "unrecoverable",
  E_SANDBOX_NETWORK_UNISOLATED: "unrecoverable",
  E_SANDBOX_EGRESS_POLICY: "unrecoverable",
  E_SANDBOX_ENV_DENIED: "unrecoverable",
  E_SANDBOX_CGROUP: "unrecoverable",
  E_SANDBOX_EMPTY_COMMAND: "unrecoverable",
  E_LEDGER_NO_HEAD: "unrecoverable",
  E_FORGE_API: "retried",
  // An answer that did not parse: often a proxy's error page, which a retry may get past.
  E_FORGE_RESPONSE: "retried",
};

export function outcomeOf(error: unknown): Outcome {
  if (error instanceof UnrecoverableError) return "unrecoverable";
  if (isSentinelError(error)) return OUTCOMES[error.code] ?? "retried";
  return "retried";
}

/** Whether the queue may run the job again after this error. */
export function isRetried(error: unknown): boolean {
  return outcomeOf(error) === "retried";
}
