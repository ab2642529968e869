import type { z } from "zod";
import type { IngestItem } from "../../core/index.js";
import { summarize } from "../read-comment.js";
import {
  jobHook,
  mergeRequestHook,
  pipelineHook,
  type GitlabHookProject,
  type JobHook,
  type MergeRequestHook,
  type PipelineHook,
} from "./hook-schemas.js";
import { readGitlabNote } from "./read-comment.js";

/** The `X-Gitlab-Event` values Sentinel reads; others are acknowledged and ignored. */
export const GITLAB_EVENTS = ["Job Hook", "Pipeline Hook", "Note Hook", "Merge Request Hook"] as const;

/**
 * Reads a GitLab Job or Pipeline hook. A job hook is one failure; a pipeline hook lists its
 * failed jobs itself, and both name the same job by id, so the two kinds land on one failure.
 * `selfUsername` is the GitLab user behind Sentinel's token: its own notes never run commands,
 * whatever the account is called (a service account or a personal token need not look like a bot).
 */
export function readGitlabEvent(event: string, payload: unknown, selfUsername?: string): IngestItem[] {
  const kind = (payload as { object_kind?: unknown } | null)?.object_kind;
  if (event === "Job Hook" && kind === "build") return parsed(event, jobHook, payload, readJob);
  if (event === "Pipeline Hook" && kind === "pipeline") return parsed(event, pipelineHook, payload, readPipeline);
  if (event === "Note Hook") {
    const read = readGitlabNote(payload, selfUsername);
    return "ignore" in read ? [{ kind: "ignore", reason: read.ignore }] : [{ kind: "command", comment: read }];
  }
  if (event === "Merge Request Hook") {
    if (kind !== "merge_request") return [{ kind: "ignore", reason: "merge request hook without a merge request" }];
    return parsed(event, mergeRequestHook, payload, readMergeRequest);
  }
  return [{ kind: "ignore", reason: `GitLab event "${event}" is not one Sentinel handles` }];
}

/** Reads a hook that matches its schema; one that does not is ignored with the fields that were wrong. */
function parsed<T>(event: string, schema: z.ZodType<T>, payload: unknown, read: (hook: T) => IngestItem[]) {
  const result = schema.safeParse(payload);
  if (!result.success)
    return [{ kind: "ignore" as const, reason: `${event} payload not understood: ${summarize(result.error)}` }];
  return read(result.data);
}

/**
 * A merge request merged or closed (what Sentinel's trust in its fixes needs to know), or opened
 * or given new commits (its changes to Sentinel's own files are validated, as on GitHub).
 */
function readMergeRequest(h: MergeRequestHook): IngestItem[] {
  const a = h.object_attributes;
  const head = a.last_commit?.id;
  // `update` also reports title and label edits; only one with `oldrev` brought new commits.
  if (
    (a.action === "open" || a.action === "reopen" || (a.action === "update" && a.oldrev)) &&
    head &&
    /^[0-9a-f]{40}$/.test(head)
  ) {
    return [
      {
        kind: "validate-config",
        forge: "gitlab",
        repo: h.project.path_with_namespace,
        repoId: String(h.project.id),
        installationId: null,
        prNumber: a.iid,
        headSha: head,
      },
    ];
  }
  if (a.action !== "merge" && a.action !== "close")
    return [{ kind: "ignore", reason: `merge request ${a.action ?? "?"} is neither new commits nor a merge or close` }];
  return [
    {
      kind: "pr-closed",
      forge: "gitlab",
      repo: h.project.path_with_namespace,
      repoId: String(h.project.id),
      installationId: null,
      prNumber: a.iid,
      merged: a.action === "merge",
      headRef: a.source_branch ?? "",
      body: a.description ?? "",
    },
  ];
}

function readJob(h: JobHook): IngestItem[] {
  const repo = h.project?.path_with_namespace ?? repoFromHomepage(h.repository?.homepage);
  if (!repo) return [{ kind: "ignore", reason: "job hook without a project path" }];
  const items: IngestItem[] = [];
  const conclusion = h.build_status === "failed" ? "failure" : h.build_status;
  if (["failed", "success"].includes(h.build_status)) {
    items.push({
      kind: "outcome",
      outcome: { forge: "gitlab", repo, sha: h.sha, jobName: h.build_name, jobId: String(h.build_id), conclusion },
    });
  }
  if (h.build_status !== "failed") return [...items, { kind: "ignore", reason: `job ${h.build_status}` }];
  if (h.build_allow_failure) return [...items, { kind: "ignore", reason: "job is allowed to fail" }];
  const webUrl = h.project?.web_url ?? h.repository?.homepage;
  items.push({
    kind: "failure",
    failure: {
      failureKey: `gitlab:${h.project_id}:job:${h.build_id}`,
      forge: "gitlab",
      source: "job",
      repo,
      repoId: String(h.project_id),
      installationId: null,
      sha: h.sha,
      ref: h.ref ?? null,
      jobId: String(h.build_id),
      jobName: h.build_name,
      runId: h.pipeline_id == null ? null : String(h.pipeline_id),
      runAttempt: null,
      jobUrl: webUrl ? `${webUrl}/-/jobs/${h.build_id}` : null,
      pullRequests: [],
      fromFork: false,
      context: { failureReason: h.build_failure_reason ?? null, ...projectContext(h.project) },
    },
  });
  return items;
}

function readPipeline(h: PipelineHook): IngestItem[] {
  const p = h.object_attributes;
  if (p.status !== "failed") return [{ kind: "ignore", reason: `pipeline ${p.status}` }];
  const mr = h.merge_request ?? null;
  const fromFork = mr
    ? mr.source_project_id != null && mr.target_project_id != null && mr.source_project_id !== mr.target_project_id
    : false;
  // A merge request's iid numbers it within its target project. A pipeline that ran in the fork
  // (not in the target project, as GitLab's "run pipelines in the parent project" would) reports
  // an iid that is not this project's: notes for it would land on another merge request.
  const mrElsewhere = mr !== null && mr.target_project_id != null && mr.target_project_id !== h.project.id;
  const pullRequests = mr && !mrElsewhere ? [{ number: mr.iid, fromFork }] : [];
  const failed = (h.builds ?? []).filter((b) => b.status === "failed" && !b.allow_failure);
  if (failed.length === 0)
    return [{ kind: "ignore", reason: "failed pipeline without a failed job that is not allowed to fail" }];
  return failed.map((b) => ({
    kind: "failure" as const,
    failure: {
      failureKey: `gitlab:${h.project.id}:job:${b.id}`,
      forge: "gitlab" as const,
      source: "pipeline",
      repo: h.project.path_with_namespace,
      repoId: String(h.project.id),
      installationId: null,
      sha: p.sha,
      ref: p.ref ?? null,
      jobId: String(b.id),
      jobName: b.name,
      runId: String(p.id),
      runAttempt: null,
      jobUrl: h.project.web_url ? `${h.project.web_url}/-/jobs/${b.id}` : null,
      pullRequests,
      fromFork,
      context: {
        failureReason: b.failure_reason ?? null,
        ...projectContext(h.project),
        ...(mrElsewhere ? { mergeRequestElsewhere: { projectId: mr.target_project_id, iid: mr.iid } } : {}),
      },
    },
  }));
}

/**
 * What fixes target when the failing branch is unknown. The hook's clone URLs are not kept: a
 * remote is built from GITLAB_URL and the project the API confirms, never from a hook.
 */
function projectContext(p: GitlabHookProject | null | undefined): Record<string, string> {
  return p?.default_branch ? { defaultBranch: p.default_branch } : {};
}

function repoFromHomepage(homepage: string | null | undefined): string | null {
  if (!homepage) return null;
  try {
    return new URL(homepage).pathname.replace(/^\/+|\/+$/g, "") || null;
  } catch {
    return null; // not a URL: no path to read
  }
}
