import type { PullRequestRef } from "../store/index.js";

/** One annotation on a file and line, as check runs and MR discussions take them. */
export interface Annotation {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly level: "failure" | "warning" | "notice";
  readonly message: string;
  readonly title?: string;
}

/** What Sentinel publishes about one diagnosed failure on the failing commit. */
export interface CommitReport {
  readonly sha: string;
  /** One report per commit under this name, updated as each failure on it is diagnosed. */
  readonly name: string;
  readonly conclusion: "failure" | "neutral" | "success";
  readonly title: string;
  readonly summary: string;
  readonly text?: string;
  readonly detailsUrl?: string;
  /** New annotations only: those of the failure just diagnosed. */
  readonly annotations: readonly Annotation[];
}

/**
 * What the ingestion worker needs from a forge, for one repository. GitHub, GitLab and the local
 * forge implement it; tokens never leave the implementation.
 */
export interface ForgeClient {
  readonly forge: "github" | "gitlab";
  readonly repo: string;
  /** The job's log as it streams from the forge (already following any redirect). */
  streamJobLog(jobId: string, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
  /** The commit a pull/merge request's head is at now (null when it cannot be read). */
  pullRequestHead(prNumber: number): Promise<string | null>;
  /** Open pull/merge requests whose head is this commit. */
  pullRequestsForCommit(sha: string): Promise<PullRequestRef[]>;
  /** The repository's Sentinel config text from the default branch (null when absent). */
  readConfig(): Promise<{ path: string; text: string | null; value?: unknown; error?: string }>;
  /** A file's text on the default branch, or at `ref` (null when absent). */
  readFile(path: string, ref?: string): Promise<string | null>;
  /** Where this forge keeps the repository's Sentinel config. */
  readonly configPath: string;
  /** Paths a pull/merge request adds, modifies or renames (up to a few thousand). */
  changedFiles(prNumber: number): Promise<string[]>;
  /**
   * Creates the commit's report (check run / commit status), or updates it when `knownId` still
   * exists. The report's annotations are added to those already on it.
   */
  publishReport(report: CommitReport, knownId: string | null): Promise<{ id: string; annotationBatches: number }>;
  /**
   * Creates the sticky comment, or edits it when `knownId` still exists. Returns its id. Never
   * posts a second sticky comment when the first can be found.
   */
  upsertStickyComment(prNumber: number, body: string, knownId: string | null): Promise<string>;
  /** The failed jobs of a failed run (GitHub workflow run, check suite; GitLab pipeline). */
  failedJobsOf(what: "workflow_run" | "check_suite" | "pipeline", id: string): Promise<FailedJob[]>;
  /** A check's own output and annotations as text, for checks that have no job log. */
  checkOutputText(checkId: string, output: unknown): Promise<string>;
  /** Absolute paths a job's workspace has on the forge's runners, stripped from file names. */
  workspaceRoots(): string[];
}

/** A failed job found by listing a failed run or suite. */
export interface FailedJob {
  readonly jobId: string;
  readonly jobName: string;
  readonly jobUrl: string | null;
  readonly runAttempt: number | null;
  /** Whether it is a CI job with a log (else a check whose output is the evidence). */
  readonly hasLog: boolean;
  readonly context: Readonly<Record<string, unknown>>;
}

export const STICKY_MARKER = "<!-- sentinel:sticky -->";
