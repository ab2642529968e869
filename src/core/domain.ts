// The nouns every concern shares: which forge, which pull request, which failed job. Kept here so
// readers (forge/), the store and the pipeline agree on one shape without importing each other.

/**
 * The ids of the forges Sentinel speaks to. Each forge's folder adds its own id to this interface
 * (module augmentation in `src/forge/<id>/adapter.ts`), so adding a forge edits no shared type:
 * `github`, `gitlab`, and `local` (a git repository on disk, the laptop pipeline).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by each forge folder
export interface ForgeIds {}

/** A forge Sentinel speaks to: one of the ids the forge folders declare in ForgeIds. */
export type ForgeId = keyof ForgeIds & string;

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
