/** What re-running the failing command says: a diagnosis summary, never the raw log. */
export interface CheckResult {
  passed: boolean;
  /** The new diagnosis in a few lines (category, first findings); redacted and fenced before it is sent. */
  summary: string;
}

/** Re-runs the failing command in the sandbox; injected so the agent never runs commands itself. */
export type RunCheck = () => Promise<CheckResult>;
