import type { PullRequestRef } from "../../store/index.js";
import { forgeApiError } from "../forge-api-error.js";
import {
  STICKY_MARKER,
  type CommitReport,
  type FailedJob,
  type ForgeClient,
  type ForgeUser,
  type IssueRequest,
  type Permission,
  type PullRequestInfo,
  type Reaction,
} from "../forge-client.js";
import { gitlabAccessToPermission } from "../permission.js";
import { SentinelError } from "../../core/index.js";
import { z } from "zod";
import {
  commitMergeRequestAnswer,
  createdAnswer,
  diffAnswer,
  jobAnswer,
  mergeRequestAnswer,
  noteAnswer,
  parseAnswer,
  projectAnswer,
  userAnswer,
} from "./api-schemas.js";
import { describeApiError, gitlabApi, statusOf, type GitlabApi } from "./gitlab-api.js";
import { upsertGitlabIssue } from "./gitlab-issues.js";
import { readMember } from "./gitlab-members.js";

export const GITLAB_CONFIG_PATH = ".gitlab/sentinel.yml";

/** What confirming a job reads of GET /jobs/:id. */
const jobStatus = jobAnswer.pick({ status: true, commit: true });

/** GitLab's award emoji names for the reactions Sentinel gives. */
const AWARD_EMOJI: Readonly<Record<Reaction, string>> = { "+1": "thumbsup", eyes: "eyes", confused: "confused" };

export interface GitlabConnection {
  /** gitlab.com or a self-managed instance, e.g. https://gitlab.example.com */
  readonly baseUrl: string;
  readonly token: string;
  readonly fetchImpl?: typeof fetch;
}

/** GitLab (gitlab.com or self-managed) through `@gitbeaker/rest`, for one project. */
export class GitlabForge implements ForgeClient {
  readonly forge = "gitlab" as const;
  readonly signedHooks = false;
  readonly configPath = GITLAB_CONFIG_PATH;
  private defaultBranch: string | null = null;
  private selfId: number | null = null;

  constructor(
    private readonly api: GitlabApi,
    private readonly connection: GitlabConnection,
    private readonly projectId: string,
    readonly repo: string,
  ) {}

  static async connect(connection: GitlabConnection, projectId: string, repo: string): Promise<GitlabForge> {
    const api = await gitlabApi(connection);
    return new GitlabForge(api, connection, projectId, repo);
  }

  /** The username of the token's user (GET /user): Sentinel's own account on this GitLab. */
  static async currentUsername(connection: GitlabConnection): Promise<string> {
    const api = await gitlabApi(connection);
    try {
      return parseAnswer(userAnswer, await api.Users.showCurrentUser(), "GET /user").username;
    } catch (error) {
      throw forgeApiError("gitlab", "reading the token's user (GET /user)", error, [connection.token]);
    }
  }

  async streamJobLog(jobId: string, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    // gitbeaker's Jobs.showLog buffers the whole trace into a string; the raw endpoint streams.
    const url = `${this.connection.baseUrl.replace(/\/+$/, "")}/api/v4/projects/${encodeURIComponent(this.projectId)}/jobs/${encodeURIComponent(jobId)}/trace`;
    const res = await (this.connection.fetchImpl ?? fetch)(url, {
      headers: { "PRIVATE-TOKEN": this.connection.token },
      ...(signal ? { signal } : {}),
    });
    if (!res.ok || !res.body)
      throw new SentinelError(
        "E_FORGE_API",
        `GitLab job trace download failed: HTTP ${res.status}; check the token can read the project's jobs (read_api)`,
      );
    // Node's web ReadableStream is async-iterable; the DOM typings this project compiles with say not.
    return res.body as unknown as AsyncIterable<Uint8Array>;
  }

  /**
   * Asks the API whether job `jobId` of this project failed on commit `sha`: null when it did, or
   * why not. A job hook is trusted only as far as the shared webhook secret goes; one project's
   * maintainer who knows that secret could otherwise post a hook naming another project's job.
   */
  async confirmFailedJob(jobId: string, sha: string): Promise<string | null> {
    let job: z.infer<typeof jobStatus>;
    try {
      job = parseAnswer(jobStatus, await this.api.Jobs.show(this.projectId, Number(jobId)), `reading job ${jobId}`);
    } catch (error) {
      if (statusOf(error) === 404) return `the GitLab API has no job ${jobId} in ${this.repo}`;
      throw error;
    }
    if (job.status !== "failed")
      return `the GitLab API says job ${jobId} is ${job.status ?? "of unknown status"}, not failed`;
    if (job.commit?.id && job.commit.id !== sha)
      return `the GitLab API says job ${jobId} ran on ${job.commit.id.slice(0, 12)}, not ${sha.slice(0, 12)}`;
    return null;
  }

  /**
   * Whether project `projectId` is `repo`, as the API says: null when it is, else why not. A hook
   * names both, and only its sender's knowledge of a webhook secret vouches for either; a hook
   * that paired one project's id with another's path would have Sentinel act on the one while
   * recording (trust, history, commands) against the other.
   */
  async confirmProject(): Promise<string | null> {
    let project: z.infer<typeof projectAnswer>;
    try {
      project = parseAnswer(
        projectAnswer,
        await this.api.Projects.show(this.projectId),
        `reading project ${this.projectId}`,
      );
    } catch (error) {
      if (error instanceof SentinelError) throw error;
      if (statusOf(error) === 404)
        return `the GitLab API has no project ${this.projectId} (or the token cannot see it)`;
      throw this.apiError(`reading project ${this.projectId}`, error);
    }
    if (String(project.id) !== this.projectId || project.path_with_namespace !== this.repo) {
      return `the GitLab API says project ${this.projectId} is ${project.path_with_namespace ?? "unnamed"}, not ${this.repo}`;
    }
    this.defaultBranch ??= project.default_branch ?? null;
    return null;
  }

  /**
   * The note as the API has it: who wrote it and what it says. A Note Hook's author and text are
   * claims of whoever knows the webhook secret; commands are read from this, never from the hook.
   */
  async confirmComment(
    mrIid: number,
    noteId: string,
  ): Promise<{ author: ForgeUser; body: string; system: boolean } | null> {
    try {
      const note = parseAnswer(
        noteAnswer,
        await this.api.MergeRequestNotes.show(this.projectId, mrIid, Number(noteId)),
        `reading note ${noteId} on !${mrIid}`,
      );
      if (String(note.id) !== noteId || note.author?.id == null || !note.author.username) return null;
      return {
        author: { login: note.author.username, id: String(note.author.id) },
        body: note.body ?? "",
        system: note.system === true,
      };
    } catch (error) {
      if (error instanceof SentinelError) throw error;
      if (statusOf(error) === 404) return null;
      throw this.apiError(`reading note ${noteId} on !${mrIid}`, error);
    }
  }

  async pullRequestHead(mrIid: number): Promise<string | null> {
    try {
      const mr = parseAnswer(
        mergeRequestAnswer.pick({ sha: true }),
        await this.api.MergeRequests.show(this.projectId, mrIid),
        `reading merge request !${mrIid}`,
      );
      return mr.sha ?? null;
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  async pullRequestsForCommit(sha: string): Promise<PullRequestRef[]> {
    const mrs = parseAnswer(
      z.array(commitMergeRequestAnswer),
      await this.api.Commits.allMergeRequests(this.projectId, sha),
      `listing the merge requests of ${sha.slice(0, 12)}`,
    );
    // A fork's commit also lists the merge requests it opened in the parent project: their iids
    // number them there, not here.
    return mrs
      .filter(
        (mr) =>
          mr.state === "opened" &&
          (mr.sha == null || mr.sha === sha) &&
          String(mr.target_project_id) === String(this.projectId),
      )
      .map((mr) => ({ number: mr.iid, fromFork: mr.source_project_id !== mr.target_project_id }));
  }

  async readConfig(): Promise<{ path: string; text: string | null }> {
    return { path: GITLAB_CONFIG_PATH, text: await this.readFile(GITLAB_CONFIG_PATH) };
  }

  async changedFiles(mrIid: number): Promise<string[]> {
    const diffs = parseAnswer(
      z.array(diffAnswer),
      await this.api.MergeRequests.allDiffs(this.projectId, mrIid),
      `listing the changes of !${mrIid}`,
    );
    return diffs.filter((d) => !d.deleted_file).map((d) => d.new_path);
  }

  async readFile(path: string, ref?: string): Promise<string | null> {
    try {
      const raw = await this.api.RepositoryFiles.showRaw(this.projectId, path, ref ?? (await this.branch()));
      return typeof raw === "string" ? raw : await (raw as Blob).text();
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  async publishReport(report: CommitReport): Promise<{ id: string; annotationBatches: number }> {
    // A commit status: GitLab has no check annotations, so files and lines are in the MR note.
    // GitLab has no neutral state, and a failed status would keep the pipeline failed after a
    // successful retry; `skipped` informs without counting (a config check may still fail).
    const state = report.conclusion === "success" ? "success" : report.conclusion === "failure" ? "failed" : "skipped";
    const status = await this.api.Commits.editStatus(this.projectId, report.sha, state as never, {
      name: report.name,
      description: report.title.slice(0, 255),
      ...(report.detailsUrl ? { targetUrl: report.detailsUrl } : {}),
    });
    return { id: String(parseAnswer(createdAnswer, status, "setting a commit status").id), annotationBatches: 0 };
  }

  async upsertStickyComment(
    mrIid: number,
    body: string,
    knownId: string | null,
    marker = STICKY_MARKER,
  ): Promise<string> {
    const text = `${marker}\n${body}`;
    const id = knownId ?? (await this.findStickyNote(mrIid, marker));
    if (id) {
      try {
        await this.api.MergeRequestNotes.edit(this.projectId, mrIid, Number(id), { body: text });
        return id;
      } catch (error) {
        const status = statusOf(error);
        if (status !== 404 && status !== 403) throw error;
      }
    }
    const note = await this.api.MergeRequestNotes.create(this.projectId, mrIid, text);
    return String(parseAnswer(createdAnswer, note, `commenting on !${mrIid}`).id);
  }

  async failedJobsOf(what: "workflow_run" | "check_suite" | "pipeline", id: string): Promise<FailedJob[]> {
    if (what !== "pipeline") return [];
    const jobs = parseAnswer(
      z.array(jobAnswer),
      await this.api.Jobs.all(this.projectId, { pipelineId: Number(id), scope: "failed" as never }),
      `listing the failed jobs of pipeline ${id}`,
    );
    return jobs
      .filter((j) => !j.allow_failure)
      .map((j) => ({
        jobId: String(j.id),
        jobName: j.name,
        jobUrl: j.web_url ?? null,
        runAttempt: null,
        hasLog: true,
        context: { failureReason: j.failure_reason ?? null },
      }));
  }

  async checkOutputText(): Promise<string> {
    throw new SentinelError(
      "E_FORGE_UNSUPPORTED",
      "GitLab has no check runs without a job log: only jobs with a log can be diagnosed on GitLab",
    );
  }

  workspaceRoots(): string[] {
    // The Docker and Kubernetes executors clone into /builds/<namespace>/<project>.
    return [`/builds/${this.repo}`];
  }

  async userPermission(user: ForgeUser): Promise<Permission> {
    const member = await this.member(
      "projects",
      this.projectId,
      user,
      `reading ${user.login}'s access to ${this.repo}`,
    );
    return member ? gitlabAccessToPermission(member.access_level ?? 0) : "none";
  }

  async isTeamMember(team: string, user: ForgeUser): Promise<boolean> {
    const group = team.replace(/^@/, "").replace(/\/+$/, "");
    if (!group) return false;
    const member = await this.member("groups", group, user, `reading ${user.login}'s membership of ${group}`);
    // Minimal access (5) lets a user see that the group exists, nothing in it.
    return member !== null && (member.access_level ?? 0) >= 10;
  }

  async react(mrIid: number, noteId: string, reaction: Reaction): Promise<void> {
    try {
      await this.api.MergeRequestNoteAwardEmojis.award(this.projectId, mrIid, Number(noteId), AWARD_EMOJI[reaction]);
    } catch (error) {
      // Awarding the same emoji twice is a 404 saying the name "has already been taken": done.
      if (statusOf(error) === 404 && /already been taken/i.test(describeApiError(error))) return;
      throw this.apiError(`reacting to note ${noteId} on !${mrIid}`, error);
    }
  }

  async postComment(mrIid: number, body: string): Promise<string> {
    try {
      const note = await this.api.MergeRequestNotes.create(this.projectId, mrIid, body);
      return String(parseAnswer(createdAnswer, note, `commenting on !${mrIid}`).id);
    } catch (error) {
      if (error instanceof SentinelError) throw error;
      throw this.apiError(`commenting on !${mrIid}`, error);
    }
  }

  async rerunJob(jobId: string): Promise<void> {
    // GitLab retries a job as a new job (a new id) in the same pipeline.
    try {
      await this.api.Jobs.retry(this.projectId, Number(jobId));
    } catch (error) {
      throw this.apiError(`retrying job ${jobId}`, error);
    }
  }

  async upsertIssue(knownNumber: number | null, issue: IssueRequest): Promise<{ number: number; url: string | null }> {
    return upsertGitlabIssue(
      this.api,
      (operation, error) => this.apiError(operation, error),
      this.projectId,
      knownNumber,
      issue,
    );
  }

  async pullRequestInfo(mrIid: number): Promise<PullRequestInfo | null> {
    try {
      const mr = parseAnswer(
        mergeRequestAnswer,
        await this.api.MergeRequests.show(this.projectId, mrIid),
        `reading merge request !${mrIid}`,
      );
      return {
        headSha: mr.sha ?? "",
        headRef: mr.source_branch,
        baseRef: mr.target_branch,
        fromFork: mr.source_project_id !== mr.target_project_id,
        // "locked" is a merge request being merged right now: not merged yet.
        state: mr.state === "merged" ? "merged" : mr.state === "opened" || mr.state === "locked" ? "open" : "closed",
        author: mr.author?.username ?? "",
        body: mr.description ?? "",
      };
    } catch (error) {
      if (error instanceof SentinelError) throw error;
      if (statusOf(error) === 404) return null;
      throw this.apiError(`reading merge request !${mrIid}`, error);
    }
  }

  private member(kind: "projects" | "groups", id: string, user: ForgeUser, operation: string) {
    return readMember(this.api, (operation, error) => this.apiError(operation, error), kind, id, user, operation);
  }

  private apiError(operation: string, error: unknown) {
    return forgeApiError("gitlab", operation, error, [this.connection.token]);
  }

  private async findStickyNote(mrIid: number, marker: string): Promise<string | null> {
    const notes = parseAnswer(
      z.array(noteAnswer),
      await this.api.MergeRequestNotes.all(this.projectId, mrIid),
      `listing the notes of !${mrIid}`,
    );
    // Anyone can type the marker; only a note by Sentinel's own user is its sticky note.
    this.selfId ??= parseAnswer(userAnswer, await this.api.Users.showCurrentUser(), "GET /user").id;
    const mine = notes.find((n) => n.body?.startsWith(marker) && n.author?.id === this.selfId);
    return mine ? String(mine.id) : null;
  }

  private async branch(): Promise<string> {
    if (!this.defaultBranch) {
      const project = parseAnswer(
        projectAnswer.pick({ default_branch: true }),
        await this.api.Projects.show(this.projectId),
        `reading project ${this.projectId}`,
      );
      this.defaultBranch = project.default_branch ?? "main";
    }
    return this.defaultBranch;
  }
}
