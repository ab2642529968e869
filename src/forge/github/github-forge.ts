import type { Octokit } from "@octokit/core";
import type { PullRequestRef } from "../../store/index.js";
import { forgeApiError, statusOf } from "../forge-api-error.js";
import {
  STICKY_MARKER,
  type Annotation,
  type CommitReport,
  type FailedJob,
  type ForgeClient,
  type ForgeUser,
  type IssueRequest,
  type Permission,
  type PullRequestInfo,
  type Reaction,
  MAX_CONFIG_BYTES,
} from "../forge-client.js";
import { githubPermissionOf } from "../permission.js";
import { formatFileProblem, loadRepositoryYaml } from "../../sentinel/index.js";
import { SentinelError } from "../../core/index.js";

/** The check-runs API takes at most 50 annotations per request. */
export const ANNOTATIONS_PER_REQUEST = 50;
export const CONFIG_PATH = ".github/sentinel.yml";

const capped = new WeakSet<object>();

/**
 * Makes this client pass a raw config file (this repository's or an `_extends` target's) through
 * Sentinel's capped, linear loader before the config plugin parses it: the plugin's YAML parser
 * checks keys for repeats in quadratic time and recurses once per nesting level (a few KB of
 * `[[[[` overflowed the stack and aborted Node), so a file the loader refuses never reaches it.
 * Once per client: hooks stay installed.
 */
function refuseLargeConfigs(octokit: RestOctokit): void {
  if (capped.has(octokit)) return;
  capped.add(octokit);
  octokit.hook.after("request", (response, options) => {
    const raw = (options as { mediaType?: { format?: string } }).mediaType?.format === "raw";
    const path = String((options as { path?: unknown }).path ?? "");
    if (!raw || !options.url.includes("/contents/") || !/\.(ya?ml|json)$/i.test(path)) return;
    const data = (response as { data?: unknown }).data;
    if (typeof data !== "string") return;
    if (Buffer.byteLength(data, "utf8") > MAX_CONFIG_BYTES) throw new SentinelError("E_FORGE_CONFIG_INVALID", `${path} is larger than ${MAX_CONFIG_BYTES} bytes; Sentinel reads configs up to that size`);
    const loaded = loadRepositoryYaml(data, { file: path, kind: "config" });
    if ("errors" in loaded && loaded.errors[0]) throw new SentinelError("E_FORGE_CONFIG_INVALID", formatFileProblem(loaded.errors[0]));
  });
}
const FAILED = new Set(["failure", "timed_out", "startup_failure"]);

type RestOctokit = Octokit & {
  paginate: <T>(route: string, params: Record<string, unknown>) => Promise<T[]>;
  config: { get: (params: { owner: string; repo: string; path: string; defaults?: unknown }) => Promise<{ config: unknown; files: Array<{ path: string; config: unknown }> }> };
};

/** GitHub, through an installation token scoped to this one repository. */
export class GithubForge implements ForgeClient {
  readonly forge = "github" as const;
  readonly signedHooks = true;
  readonly configPath = CONFIG_PATH;
  private readonly owner: string;
  private readonly name: string;

  constructor(
    private readonly octokit: RestOctokit,
    readonly repo: string,
    private readonly fetchImpl: typeof fetch = fetch,
    /** The App's id: only comments it made are its sticky comments. */
    private readonly appId: number | null = null,
    /**
     * A client whose token may read team membership (members: read). An organization permission,
     * asked for only when a policy names approver teams; without it team checks answer false.
     */
    private readonly teamOctokit: (() => Promise<RestOctokit>) | null = null,
    /**
     * A client that may also read `repo` of the same owner, for an `_extends` target (the org's
     * `.github` defaults) the repository-scoped token cannot read. Throws when the installation
     * does not cover that repository.
     */
    private readonly widerReader: ((repo: string) => Promise<RestOctokit>) | null = null,
  ) {
    const [owner, name] = repo.split("/");
    if (!owner || !name) throw new SentinelError("E_REPO_NAME", `not an owner/name repository: ${repo}; name GitHub repositories as owner/name`);
    this.owner = owner;
    this.name = name;
  }

  async streamJobLog(jobId: string, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    // The API answers with a redirect to short-lived blob storage. Following it ourselves keeps
    // the installation token off that other host and lets the body stream instead of buffering.
    const res = await this.octokit.request("GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs", {
      owner: this.owner,
      repo: this.name,
      job_id: Number(jobId),
      request: { redirect: "manual", parseSuccessResponseBody: false, ...(signal ? { signal } : {}) },
    });
    const location = (res.headers as Record<string, string | undefined>).location;
    if (res.status >= 300 && res.status < 400 && location) {
      const blob = await this.fetchImpl(location, { ...(signal ? { signal } : {}) });
      if (!blob.ok || !blob.body) throw new SentinelError("E_FORGE_API", `job log download failed: HTTP ${blob.status}`);
      return blob.body as unknown as AsyncIterable<Uint8Array>;
    }
    const body = res.data as unknown;
    if (body && typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === "function") return body as AsyncIterable<Uint8Array>;
    if (typeof body === "string") return (async function* () { yield Buffer.from(body); })();
    throw new SentinelError("E_FORGE_API", `job log download failed: HTTP ${res.status} without a redirect`);
  }

  async pullRequestHead(prNumber: number): Promise<string | null> {
    try {
      const { data } = await this.octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: this.owner, repo: this.name, pull_number: prNumber });
      return (data as { head?: { sha?: string } }).head?.sha ?? null;
    } catch (error) {
      if ((error as { status?: number }).status === 404) return null;
      throw error;
    }
  }

  async pullRequestsForCommit(sha: string): Promise<PullRequestRef[]> {
    const { data } = await this.octokit.request("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls", { owner: this.owner, repo: this.name, commit_sha: sha });
    const prs = data as Array<{ number: number; state: string; head: { sha: string; repo: { full_name: string } | null } }>;
    return prs
      .filter((pr) => pr.state === "open" && pr.head.sha === sha)
      .map((pr) => ({ number: pr.number, fromFork: (pr.head.repo?.full_name ?? "").toLowerCase() !== this.repo.toLowerCase() }));
  }

  async readConfig(): Promise<{ path: string; text: string | null; value?: unknown; error?: string }> {
    const first = await this.readConfigWith(this.octokit);
    const target = first.unread;
    // The repository's token covers only the repository. An `_extends` in the same owner that the
    // installation also covers is read again with a token for both (read-only).
    if (!target || !this.widerReader || target.owner.toLowerCase() !== this.owner.toLowerCase() || target.repo.toLowerCase() === this.name.toLowerCase()) return first.result;
    let wider: RestOctokit;
    try {
      wider = await this.widerReader(target.repo);
    } catch {
      // No wider token (the installation does not cover the `_extends` target): the first read's
      // result stands, and it already says which target went unread.
      return first.result;
    }
    return (await this.readConfigWith(wider)).result;
  }

  private async readConfigWith(octokit: RestOctokit): Promise<{ result: { path: string; text: string | null; value?: unknown; error?: string }; unread?: { owner: string; repo: string } }> {
    // Probot's config plugin resolves `_extends` (org-wide defaults, the org's .github repository)
    // and reads the default branch. It parses what it fetched itself, so the size cap sits between.
    refuseLargeConfigs(octokit);
    try {
      const { config, files } = await octokit.config.get({ owner: this.owner, repo: this.name, path: CONFIG_PATH });
      const own = files[0];
      const found = files.some((f) => f.config !== null && f.config !== undefined);
      // An `_extends` the token cannot read (a private repository outside this installation's
      // scope) would otherwise just vanish; say so instead. (The plugin follows `_extends` itself
      // and drops the key; a file after the repository's own one with no config is an `_extends`
      // target that could not be read.)
      const last = files[files.length - 1] as { owner?: string; repo?: string; path?: string; config?: unknown } | undefined;
      const unread = Boolean(own?.config) && files.length > 1 && (last?.config === null || last?.config === undefined);
      const error = unread ? `_extends: ${last?.owner}/${last?.repo}:${last?.path} could not be read (it must exist and be installed for Sentinel); its defaults are not applied` : undefined;
      return {
        result: { path: CONFIG_PATH, text: null, ...(found ? { value: config } : {}), ...(error ? { error } : {}) },
        ...(unread && last?.owner && last.repo ? { unread: { owner: last.owner, repo: last.repo } } : {}),
      };
    } catch (error) {
      // The plugin throws for YAML it cannot parse; that is the repository's problem to see, not ours.
      const message = error instanceof Error ? error.message : String(error);
      if ((error as { status?: number }).status !== undefined) throw error;
      return { result: { path: CONFIG_PATH, text: null, error: message.replace("[@probot/octokit-plugin-config] ", "") } };
    }
  }

  async changedFiles(prNumber: number): Promise<string[]> {
    const files = await this.octokit.paginate<{ filename: string; status: string }>("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", {
      owner: this.owner,
      repo: this.name,
      pull_number: prNumber,
      per_page: 100,
    });
    return files.filter((f) => f.status !== "removed").map((f) => f.filename);
  }

  async readFile(path: string, ref?: string): Promise<string | null> {
    try {
      const { data } = await this.octokit.request("GET /repos/{owner}/{repo}/contents/{path}", { owner: this.owner, repo: this.name, path, ...(ref ? { ref } : {}) });
      const file = data as { type?: string; content?: string; encoding?: string };
      if (file.type !== "file" || typeof file.content !== "string") return null;
      return Buffer.from(file.content, (file.encoding as BufferEncoding) ?? "base64").toString("utf8");
    } catch (error) {
      if ((error as { status?: number }).status === 404) return null;
      throw error;
    }
  }

  async failedJobsOf(what: "workflow_run" | "check_suite" | "pipeline", id: string): Promise<FailedJob[]> {
    if (what === "workflow_run") {
      const jobs = await this.octokit.paginate<{ id: number; name: string; conclusion: string | null; html_url: string | null; run_attempt?: number }>(
        "GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs",
        { owner: this.owner, repo: this.name, run_id: Number(id), filter: "latest", per_page: 100 },
      );
      return jobs
        .filter((j) => FAILED.has(j.conclusion ?? ""))
        .map((j) => ({ jobId: String(j.id), jobName: j.name, jobUrl: j.html_url, runAttempt: j.run_attempt ?? null, hasLog: true, context: { actions: true, conclusion: j.conclusion } }));
    }
    if (what === "check_suite") {
      const runs = await this.octokit.paginate<{ id: number; name: string; conclusion: string | null; details_url: string | null; html_url: string | null; app?: { slug?: string }; output?: unknown }>(
        "GET /repos/{owner}/{repo}/check-suites/{check_suite_id}/check-runs",
        { owner: this.owner, repo: this.name, check_suite_id: Number(id), per_page: 100 },
      );
      return runs
        .filter((r) => FAILED.has(r.conclusion ?? "") && r.name !== "Sentinel")
        .map((r) => ({ jobId: String(r.id), jobName: r.name, jobUrl: r.details_url ?? r.html_url, runAttempt: null, hasLog: false, context: { actions: false, conclusion: r.conclusion, app: r.app?.slug ?? null, output: r.output ?? null } }));
    }
    return [];
  }

  async checkOutputText(checkId: string, output: unknown): Promise<string> {
    const o = (output ?? {}) as { title?: string | null; summary?: string | null; text?: string | null };
    const annotations = await this.octokit.paginate<{ path: string; start_line: number; start_column?: number | null; annotation_level: string; message: string; title?: string | null }>(
      "GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations",
      { owner: this.owner, repo: this.name, check_run_id: Number(checkId), per_page: 100 },
    );
    // Annotations become the `::error file=…` lines the engine reads as the runner's own annotations.
    const lines = annotations.map((a) => {
      const level = a.annotation_level === "failure" ? "error" : a.annotation_level === "warning" ? "warning" : "notice";
      const col = a.start_column ? `,col=${a.start_column}` : "";
      return `::${level} file=${a.path},line=${a.start_line}${col}::${(a.title ? `${a.title}: ` : "") + a.message.replace(/\r?\n/g, " ")}`;
    });
    return [o.title, o.summary, o.text, ...lines].filter((x): x is string => typeof x === "string" && x.length > 0).join("\n") + "\n";
  }

  workspaceRoots(): string[] {
    // Where GitHub-hosted runners check the repository out, on Linux, macOS and Windows.
    return [`/home/runner/work/${this.name}/${this.name}`, `/Users/runner/work/${this.name}/${this.name}`, `D:\\a\\${this.name}\\${this.name}`, `C:\\a\\${this.name}\\${this.name}`];
  }

  async publishReport(report: CommitReport, knownId: string | null): Promise<{ id: string; annotationBatches: number }> {
    const batches = chunk(report.annotations.map(toGithubAnnotation), ANNOTATIONS_PER_REQUEST);
    const output = (annotations: ReturnType<typeof toGithubAnnotation>[]) => ({
      title: report.title,
      summary: report.summary,
      ...(report.text ? { text: report.text } : {}),
      annotations,
    });
    const fields = { name: report.name, status: "completed" as const, conclusion: report.conclusion, ...(report.detailsUrl ? { details_url: report.detailsUrl } : {}) };
    let id: number | null = knownId ? Number(knownId) : null;
    if (id !== null) {
      try {
        await this.octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { owner: this.owner, repo: this.name, check_run_id: id, ...fields, output: output(batches[0] ?? []) });
      } catch (error) {
        if ((error as { status?: number }).status !== 404) throw error;
        id = null;
      }
    }
    if (id === null) {
      const { data } = await this.octokit.request("POST /repos/{owner}/{repo}/check-runs", { owner: this.owner, repo: this.name, head_sha: report.sha, ...fields, output: output(batches[0] ?? []) });
      id = (data as { id: number }).id;
    }
    // Each update appends its annotations, so later batches go out as further updates.
    for (const batch of batches.slice(1)) {
      await this.octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { owner: this.owner, repo: this.name, check_run_id: id, output: output(batch) });
    }
    return { id: String(id), annotationBatches: Math.max(1, batches.length) };
  }

  async upsertStickyComment(prNumber: number, body: string, knownId: string | null, marker = STICKY_MARKER): Promise<string> {
    const text = `${marker}\n${body}`;
    const id = knownId ?? (await this.findStickyComment(prNumber, marker));
    if (id) {
      try {
        await this.octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", { owner: this.owner, repo: this.name, comment_id: Number(id), body: text });
        return id;
      } catch (error) {
        // Deleted (404), or not ours to edit (403): post a new one below.
        const status = (error as { status?: number }).status;
        if (status !== 404 && status !== 403) throw error;
      }
    }
    const { data } = await this.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", { owner: this.owner, repo: this.name, issue_number: prNumber, body: text });
    return String((data as { id: number }).id);
  }

  async userPermission(user: ForgeUser): Promise<Permission> {
    try {
      const { data } = await this.octokit.request("GET /repos/{owner}/{repo}/collaborators/{username}/permission", { owner: this.owner, repo: this.name, username: user.login });
      return githubPermissionOf(data as Parameters<typeof githubPermissionOf>[0]);
    } catch (error) {
      // Not a user GitHub knows (renamed, deleted): no permission at all.
      if (statusOf(error) === 404) return "none";
      throw forgeApiError("github", `reading ${user.login}'s permission on ${this.repo}`, error);
    }
  }

  async isTeamMember(team: string, user: ForgeUser): Promise<boolean> {
    const [org, slug, ...rest] = team.replace(/^@/, "").split("/");
    if (!org || !slug || rest.length > 0) return false;
    try {
      const octokit = this.teamOctokit ? await this.teamOctokit() : this.octokit;
      const { data } = await octokit.request("GET /orgs/{org}/teams/{team_slug}/memberships/{username}", { org, team_slug: slug, username: user.login });
      // A pending membership is an invitation not yet accepted: not a member.
      return (data as { state?: string }).state === "active";
    } catch (error) {
      // 404: not a member, or a team this installation cannot see; 403: no members permission.
      const status = statusOf(error);
      if (status === 404 || status === 403) return false;
      throw forgeApiError("github", `reading ${user.login}'s membership of ${team}`, error);
    }
  }

  async react(_prNumber: number, commentId: string, reaction: Reaction): Promise<void> {
    // PR conversation comments are issue comments; reacting twice answers 200, not an error.
    try {
      await this.octokit.request("POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", { owner: this.owner, repo: this.name, comment_id: Number(commentId), content: reaction });
    } catch (error) {
      throw forgeApiError("github", `reacting to comment ${commentId}`, error);
    }
  }

  async postComment(prNumber: number, body: string): Promise<string> {
    try {
      const { data } = await this.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", { owner: this.owner, repo: this.name, issue_number: prNumber, body });
      return String((data as { id: number }).id);
    } catch (error) {
      throw forgeApiError("github", `commenting on #${prNumber}`, error);
    }
  }

  async failedSteps(jobId: string): Promise<string[]> {
    try {
      const { data } = await this.octokit.request("GET /repos/{owner}/{repo}/actions/jobs/{job_id}", { owner: this.owner, repo: this.name, job_id: Number(jobId) });
      return ((data as { steps?: Array<{ name?: string; conclusion?: string | null }> }).steps ?? []).filter((s) => s.conclusion === "failure" && typeof s.name === "string").map((s) => s.name as string);
    } catch (error) {
      throw forgeApiError("github", `reading job ${jobId}'s steps`, error);
    }
  }

  async rerunJob(jobId: string): Promise<void> {
    try {
      await this.octokit.request("POST /repos/{owner}/{repo}/actions/jobs/{job_id}/rerun", { owner: this.owner, repo: this.name, job_id: Number(jobId) });
    } catch (error) {
      throw forgeApiError("github", `re-running job ${jobId}`, error);
    }
  }

  async upsertIssue(knownNumber: number | null, issue: IssueRequest): Promise<{ number: number; url: string | null }> {
    if (knownNumber !== null) {
      const open = await this.openIssue(knownNumber);
      if (open) {
        try {
          const { data } = await this.octokit.request("PATCH /repos/{owner}/{repo}/issues/{issue_number}", { owner: this.owner, repo: this.name, issue_number: knownNumber, body: issue.body });
          return { number: knownNumber, url: (data as { html_url?: string }).html_url ?? null };
        } catch (error) {
          throw forgeApiError("github", `updating issue #${knownNumber}`, error);
        }
      }
    }
    try {
      const { data } = await this.octokit.request("POST /repos/{owner}/{repo}/issues", {
        owner: this.owner,
        repo: this.name,
        title: issue.title,
        body: issue.body,
        ...(issue.labels?.length ? { labels: [...issue.labels] } : {}),
      });
      const created = data as { number: number; html_url?: string };
      return { number: created.number, url: created.html_url ?? null };
    } catch (error) {
      throw forgeApiError("github", "opening an issue", error);
    }
  }

  /** Whether the issue still exists and is open (a deleted one is 410, a missing one 404). */
  private async openIssue(issueNumber: number): Promise<boolean> {
    try {
      const { data } = await this.octokit.request("GET /repos/{owner}/{repo}/issues/{issue_number}", { owner: this.owner, repo: this.name, issue_number: issueNumber });
      const found = data as { state?: string; pull_request?: unknown };
      // The issues API also answers for pull requests; a number that became one is not our issue.
      return found.state === "open" && !found.pull_request;
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 || status === 410) return false;
      throw forgeApiError("github", `reading issue #${issueNumber}`, error);
    }
  }

  async pullRequestInfo(prNumber: number): Promise<PullRequestInfo | null> {
    try {
      const { data } = await this.octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: this.owner, repo: this.name, pull_number: prNumber });
      const pr = data as { state: string; merged?: boolean; merged_at?: string | null; body?: string | null; user?: { login?: string } | null; head: { sha: string; ref: string; repo: { full_name: string } | null }; base: { ref: string; repo?: { full_name: string } | null } };
      const base = pr.base.repo?.full_name ?? this.repo;
      return {
        headSha: pr.head.sha,
        headRef: pr.head.ref,
        baseRef: pr.base.ref,
        // A fork whose repository was deleted has no head repo: still not ours.
        fromFork: (pr.head.repo?.full_name ?? "").toLowerCase() !== base.toLowerCase(),
        state: pr.merged || pr.merged_at ? "merged" : pr.state === "open" ? "open" : "closed",
        author: pr.user?.login ?? "",
        body: pr.body ?? "",
      };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw forgeApiError("github", `reading pull request #${prNumber}`, error);
    }
  }

  /** When the store lost the id (a new database), the marker still finds Sentinel's own comment. */
  private async findStickyComment(prNumber: number, marker: string): Promise<string | null> {
    const comments = await this.octokit.paginate<{ id: number; body?: string; performed_via_github_app?: { id?: number } | null; user?: { type?: string } | null }>(
      "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
      { owner: this.owner, repo: this.name, issue_number: prNumber, per_page: 100 },
    );
    // Anyone can type the marker; only a comment this App made is its sticky comment.
    const mine = comments.find(
      (c) => c.body?.startsWith(marker) && (this.appId !== null ? c.performed_via_github_app?.id === this.appId : c.user?.type === "Bot"),
    );
    return mine ? String(mine.id) : null;
  }
}

function toGithubAnnotation(a: Annotation) {
  return {
    path: a.path,
    start_line: a.startLine,
    end_line: a.endLine,
    annotation_level: a.level,
    message: a.message.slice(0, 64 * 1024),
    ...(a.title ? { title: a.title.slice(0, 255) } : {}),
  };
}

function chunk<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
