import { readGithubComment } from "./read-comment.js";
import type { IngestItem } from "../../core/index.js";

/** The events (and actions) Sentinel subscribes to; app.yml lists the same. */
export const GITHUB_EVENTS = [
  "workflow_job.completed",
  "workflow_run.completed",
  "check_run.completed",
  "check_suite.completed",
  "installation",
  "installation_repositories",
  "pull_request.opened",
  "pull_request.synchronize",
  "pull_request.reopened",
  "pull_request.closed",
  "issue_comment.created",
  "issue_comment.edited",
] as const;

/** GitHub Actions reports each job as a check run too, with the job's id as the check run's id. */
const ACTIONS_APP = "github-actions";
const FAILED = new Set(["failure", "timed_out", "startup_failure"]);

interface Repo {
  id: number;
  full_name: string;
  default_branch?: string;
}
interface Payload {
  action?: string;
  installation?: { id: number };
  repository?: Repo;
  [key: string]: unknown;
}

/** The repository and installation a (non-installation) delivery is about. */
interface Scope {
  repo: Repo;
  installationId: string;
}

/**
 * Reads a GitHub delivery into ingest items. Pure: no API calls, so a delivery can be re-read at
 * any time from the stored payload.
 */
export function readGithubEvent(event: string, payload: Payload, selfAppId?: number): IngestItem[] {
  const installationId = payload.installation ? String(payload.installation.id) : null;
  const repo = payload.repository;
  switch (event) {
    case "installation":
      return readInstallation(payload);
    case "installation_repositories":
      return readInstallationRepositories(payload);
  }
  if (!repo) return [{ kind: "ignore", reason: `${event} without a repository` }];
  if (!installationId)
    return [{ kind: "ignore", reason: `${event} for ${repo.full_name} without an installation: not sent to the App` }];
  if (event === "issue_comment") {
    const read = readGithubComment(event, payload);
    return "ignore" in read ? [{ kind: "ignore", reason: read.ignore }] : [{ kind: "command", comment: read }];
  }
  const scope: Scope = { repo, installationId };
  if (event === "pull_request") return readPullRequest(payload, scope);
  if (payload.action !== "completed")
    return [{ kind: "ignore", reason: `${event}.${payload.action ?? "?"} is not a completion` }];
  switch (event) {
    case "workflow_job":
      return readWorkflowJob(payload.workflow_job as WorkflowJob, scope);
    case "check_run":
      return readCheckRun(payload.check_run as CheckRun, scope, selfAppId);
    case "workflow_run":
      return readWorkflowRun(payload.workflow_run as WorkflowRun, scope);
    case "check_suite":
      return readCheckSuite(payload.check_suite as CheckSuite, scope, selfAppId);
  }
  return [{ kind: "ignore", reason: `event ${event} is not one Sentinel handles` }];
}

/** The fields every failure item of the repository carries. */
function failureCommon({ repo, installationId }: Scope) {
  return { forge: "github" as const, repo: repo.full_name, repoId: String(repo.id), installationId };
}

/** A closed pull request ends its fix branches; an opened or updated one has its config validated. */
function readPullRequest(payload: Payload, { repo, installationId }: Scope): IngestItem[] {
  if (payload.action === "closed") {
    const pr = payload.pull_request as
      { number: number; merged?: boolean; head: { ref: string }; body?: string | null } | undefined;
    if (!pr) return [{ kind: "ignore", reason: "pull_request.closed without a pull request" }];
    return [
      {
        kind: "pr-closed",
        forge: "github",
        repo: repo.full_name,
        repoId: String(repo.id),
        installationId,
        prNumber: pr.number,
        merged: Boolean(pr.merged),
        headRef: pr.head.ref,
        body: pr.body ?? "",
      },
    ];
  }
  const pr = payload.pull_request as { number: number; head: { sha: string } } | undefined;
  if (!pr || !["opened", "synchronize", "reopened"].includes(payload.action ?? ""))
    return [{ kind: "ignore", reason: `pull_request.${payload.action ?? "?"}` }];
  return [
    {
      kind: "validate-config",
      forge: "github",
      repo: repo.full_name,
      repoId: String(repo.id),
      installationId,
      prNumber: pr.number,
      headSha: pr.head.sha,
    },
  ];
}

/** Every concluded job's outcome, and a failure when it failed. */
function readWorkflowJob(job: WorkflowJob, scope: Scope): IngestItem[] {
  const { repo } = scope;
  const items: IngestItem[] = [];
  if (job.conclusion)
    items.push({
      kind: "outcome",
      outcome: {
        forge: "github",
        repo: repo.full_name,
        sha: job.head_sha,
        jobName: job.name,
        jobId: String(job.id),
        conclusion: outcomeOf(job.conclusion),
      },
    });
  if (!FAILED.has(job.conclusion ?? ""))
    return [...items, { kind: "ignore", reason: `workflow_job concluded ${job.conclusion ?? "without a conclusion"}` }];
  items.push({
    kind: "failure",
    failure: {
      ...failureCommon(scope),
      failureKey: `github:${repo.id}:job:${job.id}`,
      source: "workflow_job",
      sha: job.head_sha,
      ref: job.head_branch ?? null,
      jobId: String(job.id),
      jobName: job.name,
      runId: String(job.run_id),
      runAttempt: job.run_attempt ?? null,
      jobUrl: job.html_url ?? null,
      pullRequests: [],
      fromFork: false,
      context: {
        actions: true,
        conclusion: job.conclusion,
        workflowName: job.workflow_name ?? null,
        ...repoContext(repo),
      },
    },
  });
  return items;
}

function readCheckRun(run: CheckRun, scope: Scope, selfAppId: number | undefined): IngestItem[] {
  const { repo } = scope;
  if (!FAILED.has(run.conclusion ?? ""))
    return [{ kind: "ignore", reason: `check_run concluded ${run.conclusion ?? "without a conclusion"}` }];
  if (selfAppId !== undefined && run.app?.id === selfAppId)
    return [{ kind: "ignore", reason: "Sentinel's own check run" }];
  const actions = run.app?.slug === ACTIONS_APP;
  const prs = (run.pull_requests ?? []).map((p) => ({
    number: p.number,
    fromFork: p.head?.repo ? p.head.repo.id !== repo.id : false,
  }));
  return [
    {
      kind: "failure",
      failure: {
        ...failureCommon(scope),
        // The same key as the workflow_job event for the same job: one failure, not two.
        failureKey: actions ? `github:${repo.id}:job:${run.id}` : `github:${repo.id}:check:${run.id}`,
        source: "check_run",
        sha: run.head_sha,
        ref: run.check_suite?.head_branch ?? null,
        jobId: String(run.id),
        jobName: run.name,
        runId: null,
        runAttempt: null,
        jobUrl: run.details_url ?? run.html_url ?? null,
        pullRequests: prs,
        fromFork: prs.some((p) => p.fromFork),
        context: {
          ...(actions
            ? { actions: true, conclusion: run.conclusion }
            : {
                actions: false,
                conclusion: run.conclusion,
                app: run.app?.slug ?? null,
                output: run.output ?? null,
              }),
          ...repoContext(repo),
        },
      },
    },
  ];
}

/** A failed workflow run is expanded into its failed jobs through the API later. */
function readWorkflowRun(run: WorkflowRun, { repo, installationId }: Scope): IngestItem[] {
  if (!FAILED.has(run.conclusion ?? ""))
    return [{ kind: "ignore", reason: `workflow_run concluded ${run.conclusion ?? "without a conclusion"}` }];
  const fromFork = run.head_repository ? run.head_repository.id !== repo.id : false;
  return [
    {
      kind: "expand",
      what: "workflow_run",
      id: String(run.id),
      repo: repo.full_name,
      repoId: String(repo.id),
      installationId,
      sha: run.head_sha,
      ref: run.head_branch ?? null,
      pullRequests: (run.pull_requests ?? []).map((p) => ({ number: p.number, fromFork })),
      fromFork,
    },
  ];
}

/** A failed non-Actions check suite is expanded into its failed check runs through the API later. */
function readCheckSuite(
  suite: CheckSuite,
  { repo, installationId }: Scope,
  selfAppId: number | undefined,
): IngestItem[] {
  if (!FAILED.has(suite.conclusion ?? ""))
    return [{ kind: "ignore", reason: `check_suite concluded ${suite.conclusion ?? "without a conclusion"}` }];
  // Actions suites are covered job by job by workflow_job.
  if (suite.app?.slug === ACTIONS_APP)
    return [{ kind: "ignore", reason: "GitHub Actions check suite: its jobs arrive as workflow_job" }];
  if (selfAppId !== undefined && suite.app?.id === selfAppId)
    return [{ kind: "ignore", reason: "Sentinel's own check suite" }];
  return [
    {
      kind: "expand",
      what: "check_suite",
      id: String(suite.id),
      repo: repo.full_name,
      repoId: String(repo.id),
      installationId,
      sha: suite.head_sha,
      ref: suite.head_branch ?? null,
      pullRequests: (suite.pull_requests ?? []).map((p) => ({ number: p.number, fromFork: false })),
      fromFork: false,
    },
  ];
}

/** What fixes target when the failing branch is unknown (remotes are built from the API base, never a payload's URL). */
function repoContext(repo: Repo): Record<string, string> {
  return repo.default_branch ? { defaultBranch: repo.default_branch } : {};
}

function outcomeOf(conclusion: string): string {
  return FAILED.has(conclusion) ? "failure" : conclusion;
}

function readInstallation(payload: Payload): IngestItem[] {
  const id = String(payload.installation?.id ?? "");
  const repos = ((payload.repositories as Repo[] | undefined) ?? []).map((r) => ({
    id: String(r.id),
    fullName: r.full_name,
  }));
  switch (payload.action) {
    case "created":
    case "unsuspend":
    case "new_permissions_accepted":
      return [{ kind: "installation", op: "add", installationId: id, repos }];
    case "deleted":
    case "suspend":
      return [{ kind: "installation", op: "remove-all", installationId: id, repos: [] }];
  }
  return [{ kind: "ignore", reason: `installation.${payload.action ?? "?"}` }];
}

function readInstallationRepositories(payload: Payload): IngestItem[] {
  const id = String(payload.installation?.id ?? "");
  const list = (key: string) =>
    ((payload[key] as Repo[] | undefined) ?? []).map((r) => ({ id: String(r.id), fullName: r.full_name }));
  return [
    { kind: "installation", op: "add", installationId: id, repos: list("repositories_added") },
    { kind: "installation", op: "remove", installationId: id, repos: list("repositories_removed") },
  ];
}

interface WorkflowJob {
  id: number;
  run_id: number;
  run_attempt?: number;
  head_sha: string;
  head_branch?: string | null;
  html_url?: string | null;
  name: string;
  conclusion: string | null;
  workflow_name?: string | null;
}
interface CheckRun {
  id: number;
  name: string;
  head_sha: string;
  conclusion: string | null;
  details_url?: string | null;
  html_url?: string | null;
  app?: { slug?: string; id?: number };
  check_suite?: { head_branch?: string | null };
  pull_requests?: Array<{ number: number; head?: { repo?: { id: number } } }>;
  output?: { title?: string | null; summary?: string | null; text?: string | null; annotations_count?: number };
}
interface WorkflowRun {
  id: number;
  head_sha: string;
  head_branch?: string | null;
  conclusion: string | null;
  pull_requests?: Array<{ number: number }>;
  head_repository?: { id: number } | null;
}
interface CheckSuite {
  id: number;
  head_sha: string;
  head_branch?: string | null;
  conclusion: string | null;
  app?: { slug?: string; id?: number };
  pull_requests?: Array<{ number: number }>;
}
