import { MAX_REPOSITORY_FILE_BYTES } from "../sentinel/index.js";
import type { ForgeId, PullRequestRef } from "../core/index.js";

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
 * Largest repository config Sentinel reads. Real ones are a few KB; YAML parsers check keys for
 * repeats in quadratic time (the GitHub path's config plugin does), so a hostile file of a
 * megabyte of keys would hold a worker for minutes. A larger file is refused like invalid YAML:
 * safe defaults, and the reason shown to the repository.
 */
export const MAX_CONFIG_BYTES = MAX_REPOSITORY_FILE_BYTES.config;

/**
 * What the ingestion worker needs from a forge, for one repository. GitHub, GitLab and the local
 * forge implement it; tokens never leave the implementation.
 */
export interface ForgeClient {
  // The local forge has no API client: it only ever pushes (forge/local/local-fix-forge.ts).
  readonly forge: Exclude<ForgeId, "local">;
  readonly repo: string;
  /**
   * Whether the forge signs each webhook delivery (GitHub's HMAC). Where it does not (GitLab: a
   * shared secret), what a hook says happened is confirmed through the API before it counts.
   */
  readonly signedHooks: boolean;
  /** The job's log as it streams from the forge (already following any redirect). */
  streamJobLog(jobId: string, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
  /**
   * Where a webhook is not signed per delivery (GitLab's shared secret), whether the API confirms
   * that this job failed on this commit: null when it does, else why not. Absent where deliveries
   * are signed (GitHub) or come from the forge itself (local).
   */
  confirmFailedJob?(jobId: string, sha: string): Promise<string | null>;
  /**
   * Where a hook names its repository without a per-delivery signature (GitLab), whether the API
   * says the repository's id and path are the ones the hook named: null when they are, else why not.
   */
  confirmProject?(): Promise<string | null>;
  /**
   * Where a hook is not signed per delivery (GitLab), the comment as the API has it (author,
   * text): null when the API has no such comment. Commands are read from this, not from the hook.
   */
  confirmComment?(
    prNumber: number,
    commentId: string,
  ): Promise<{ author: ForgeUser; body: string; system: boolean } | null>;
  /**
   * The names of the steps the forge reports failed in this job (GitHub Actions: the jobs API's
   * steps). Absent where the forge reports no steps (GitLab, other CIs' checks).
   */
  failedSteps?(jobId: string): Promise<string[]>;
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
   * posts a second sticky comment when the first can be found. `marker` names which of
   * Sentinel's sticky comments this is (the failures' by default; the config check's on GitLab,
   * which has no check annotations).
   */
  upsertStickyComment(prNumber: number, body: string, knownId: string | null, marker?: string): Promise<string>;
  /** The failed jobs of a failed run (GitHub workflow run, check suite; GitLab pipeline). */
  failedJobsOf(what: "workflow_run" | "check_suite" | "pipeline", id: string): Promise<FailedJob[]>;
  /** A check's own output and annotations as text, for checks that have no job log. */
  checkOutputText(checkId: string, output: unknown): Promise<string>;
  /** Absolute paths a job's workspace has on the forge's runners, stripped from file names. */
  workspaceRoots(): string[];
  /**
   * The commenter's permission on this repository (GitHub: the collaborator permission API, whose
   * `role_name` tells maintain and triage apart; GitLab: the project's members including inherited
   * and invited ones). An unknown user or a 404 is "none".
   */
  userPermission(user: ForgeUser): Promise<Permission>;
  /**
   * Whether the user is an active member of the team "org/slug" (GitHub team membership) or of the
   * group "path" (GitLab, including inherited membership). False on 404 and 403.
   */
  isTeamMember(team: string, user: ForgeUser): Promise<boolean>;
  /** Reacts to a comment (GitHub reaction; GitLab award emoji thumbsup / eyes / confused on the note). */
  react(prNumber: number, commentId: string, reaction: Reaction): Promise<void>;
  /** Posts a new comment (a reply) on the pull/merge request; returns its id. */
  postComment(prNumber: number, body: string): Promise<string>;
  /** Re-runs one failed CI job (GitHub Actions job re-run; GitLab job retry). */
  rerunJob(jobId: string): Promise<void>;
  /**
   * Opens an issue, or updates the body of `knownNumber` when that issue is still open (a closed or
   * deleted one gets a new issue). Returns its number (GitLab: iid) and url.
   */
  upsertIssue(knownNumber: number | null, issue: IssueRequest): Promise<{ number: number; url: string | null }>;
  /** A pull/merge request's state now; null when it does not exist (404). */
  pullRequestInfo(prNumber: number): Promise<PullRequestInfo | null>;
}

/**
 * What a person may do on a repository, from least to most. GitLab's access levels map onto the
 * same scale (see `gitlabAccessToPermission`).
 */
export type Permission = "none" | "read" | "triage" | "write" | "maintain" | "admin";

/** A commenter: the login (GitHub login / GitLab username) and the forge's numeric user id. */
export interface ForgeUser {
  readonly login: string;
  readonly id: string;
}

export type Reaction = "+1" | "eyes" | "confused";

export interface IssueRequest {
  readonly title: string;
  readonly body: string;
  readonly labels?: readonly string[];
}

export interface PullRequestInfo {
  readonly headSha: string;
  readonly headRef: string;
  readonly baseRef: string;
  /** The head branch lives in another repository (or its repository was deleted). */
  readonly fromFork: boolean;
  readonly state: "open" | "closed" | "merged";
  /** The author's login (GitHub) or username (GitLab). */
  readonly author: string;
  /** The description (body) as the forge has it now. */
  readonly body?: string;
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
/** The sticky note listing a merge request's errors in Sentinel's own files (GitLab). */
export const CONFIG_NOTE_MARKER = "<!-- sentinel:config -->";
