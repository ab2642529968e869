// What the store keeps about deliveries and failures, as the rest of Sentinel reads it.

export type Forge = "github" | "gitlab" | "local";

export interface DeliveryRecord {
  readonly deliveryKey: string;
  readonly forge: Forge;
  readonly event: string;
  readonly action?: string | null;
  readonly installationId?: string | null;
  readonly repo?: string | null;
  readonly payload: unknown;
  /**
   * The payload's JSON text exactly as it arrived, when the caller has it: stored as it is (when
   * PostgreSQL can keep it) instead of serialising `payload` again, which costs as much as parsing.
   */
  readonly payloadText?: string;
}

export interface PullRequestRef {
  readonly number: number;
  readonly fromFork: boolean;
}

/** One failed CI job (or check), however many event kinds reported it. */
export interface FailureRecord {
  readonly failureKey: string;
  readonly forge: Forge;
  /** The event kind that first reported it. */
  readonly source: string;
  readonly repo: string;
  readonly repoId: string;
  readonly installationId?: string | null;
  readonly sha: string;
  readonly ref?: string | null;
  readonly jobId?: string | null;
  readonly jobName: string;
  readonly runId?: string | null;
  readonly runAttempt?: number | null;
  readonly jobUrl?: string | null;
  readonly pullRequests: readonly PullRequestRef[];
  readonly fromFork: boolean;
  /** Forge-specific details the worker needs (check output, GitLab project path…). */
  readonly context: Readonly<Record<string, unknown>>;
  readonly firstDelivery: string;
}

export interface StoredFailure extends FailureRecord {
  readonly status: "pending" | "diagnosed" | "ignored" | "error";
  readonly error: string | null;
  /** When its annotations went onto the commit's report (they are added once). */
  readonly reportedAt: Date | null;
}

export interface FingerprintHistory {
  readonly occurrences: number;
  readonly commits: number;
  readonly firstSeen: Date | null;
  readonly otherRepos: number;
}
