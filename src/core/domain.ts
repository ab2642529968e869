// The nouns every concern shares: which forge, which pull request, which failed job. Kept here so
// readers (forge/), the store and the pipeline agree on one shape without importing each other.

/** A forge Sentinel speaks to; `local` is a git repository on disk (the laptop pipeline). */
export type ForgeId = "github" | "gitlab" | "local";

export interface PullRequestRef {
  readonly number: number;
  readonly fromFork: boolean;
}

/** One failed CI job (or check), however many event kinds reported it. */
export interface FailureRecord {
  readonly failureKey: string;
  readonly forge: ForgeId;
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
