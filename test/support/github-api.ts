import { nock } from "./http-mock.js";
import { repositoryIdFor } from "./github-webhooks.js";

/** A record of the GitHub API calls Sentinel made, with their bodies. */
export interface ApiCall {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  /** The Authorization header, recorded by the routes that act (re-runs, issues). */
  readonly authorization?: string;
}

export interface FakeGithubOptions {
  readonly repo: string;
  /** The repository's id (default: repositoryIdFor(repo), as failedWorkflowJob sends it). */
  readonly repoId?: number;
  readonly installationId: number;
  /** Job id → the job's log text. */
  readonly logs: Readonly<Record<string, string>>;
  /** The repository's .github/sentinel.yml on its default branch (raw text), if any. */
  readonly config?: string;
  /** Other files on the default branch (path → text). */
  readonly files?: Readonly<Record<string, string>>;
  /**
   * Files of the owner's `.github` repository (the org-wide defaults `_extends` names), served
   * only to a token whose request named that repository, as GitHub scopes installation tokens.
   */
  readonly orgFiles?: Readonly<Record<string, string>>;
  /** Open pull requests by head sha. */
  readonly pulls?: Readonly<Record<string, Array<{ number: number; headRepo: string }>>>;
  /** Failed jobs of workflow runs (run id → jobs). */
  readonly runJobs?: Readonly<Record<string, Array<{ id: number; name: string; conclusion: string }>>>;
  /** Files at a pull request's head (path → text), served when a `ref` is asked for. */
  readonly headFiles?: Readonly<Record<string, string>>;
  /** Files each pull request changes. */
  readonly prFiles?: Readonly<Record<number, string[]>>;
  readonly baseUrl?: string;
  /** The App's id, as GitHub marks the comments it makes. */
  readonly appId?: number;
  /** Issues that already exist (number → state), for tracking-issue updates. */
  readonly issues?: Readonly<Record<number, { state: "open" | "closed"; title?: string; body?: string }>>;
  /** Job id → the message GitHub answers (403) when it refuses to re-run the job. */
  readonly rerunRefused?: Readonly<Record<string, string>>;
  /** Repositories the installation covers (default: this one): a token for others gets GitHub's 422. */
  readonly installedRepos?: readonly string[];
  /** Check run id → its annotations, as another CI (not GitHub Actions) reported them. */
  readonly checkAnnotations?: Readonly<
    Record<
      string,
      Array<{
        path: string;
        start_line: number;
        start_column?: number;
        annotation_level: string;
        message: string;
        title?: string;
      }>
    >
  >;
  /** Check suite id → its check runs, as another CI reported them. */
  readonly suiteRuns?: Readonly<
    Record<
      string,
      Array<{
        id: number;
        name: string;
        conclusion: string;
        details_url?: string;
        app?: { slug: string };
        output?: { title?: string; summary?: string; text?: string };
      }>
    >
  >;
}

const BLOB_HOST = "https://pipelines.blob.example.invalid";

/**
 * Every installation token any fake handed out, with the request that asked for it. Sentinel
 * caches tokens for their lifetime, across the fakes of one test file, as it would across a
 * real GitHub's requests: what a token may read is looked up here.
 */
const ISSUED = new Map<string, unknown>();

/** The requests of every installation token handed out so far (repositories and permissions). */
export function issuedTokenRequests(): unknown[] {
  return [...ISSUED.values()];
}

/**
 * The GitHub REST API as nock interceptors (the only place the tests fake HTTP): installation
 * tokens, job logs behind a redirect to blob storage, contents, pulls, check runs, comments.
 * Comments and check runs are kept, so updates are visible as updates.
 */
export function fakeGithub(o: FakeGithubOptions) {
  const base = o.baseUrl ?? "https://api.github.com";
  const prefix = base.endsWith("/api/v3") ? "/api/v3" : "";
  const calls: ApiCall[] = [];
  const comments = new Map<number, { id: number; issue: number; body: string; appId: number | null }>();
  const checkRuns = new Map<number, { id: number; body: Record<string, unknown>; annotations: unknown[] }>();
  let nextId = 1000;
  const [owner, name] = o.repo.split("/") as [string, string];
  const repoPath = `${prefix}/repos/${owner}/${name}`;
  const record = (method: string, path: string, body: unknown) => calls.push({ method, path, body });

  // nock scopes are origins; the /api/v3 prefix is part of each path.
  const api = nock(new URL(base).origin).persist();
  // Each token is distinct, so a call's Authorization header tells which token request it came from.
  const tokens: Array<{ token: string; body: unknown }> = [];
  api.post(`${prefix}/app/installations/${o.installationId}/access_tokens`).reply((uri, body) => {
    record("POST", uri, body);
    const covered = o.installedRepos ?? [name, ".github"];
    if (((body as { repositories?: string[] }).repositories ?? []).some((r) => !covered.includes(r))) {
      return [
        422,
        {
          message:
            "There is at least one repository that does not exist or is not accessible to the parent installation.",
          documentation_url: "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app",
          status: "422",
        },
      ];
    }
    const token = `ghs_scopedtoken${String(ISSUED.size).padStart(22, "0")}`;
    tokens.push({ token, body });
    ISSUED.set(token, body);
    return [201, { token, expires_at: new Date(Date.now() + 3600_000).toISOString() }];
  });
  api.get(new RegExp(`^${escape(repoPath)}$`)).reply((uri) => {
    record("GET", uri, null);
    return [200, { id: o.repoId ?? repositoryIdFor(o.repo), full_name: o.repo, default_branch: "main" }];
  });
  // A job's steps as GitHub reports them: the log's `Run <command>` step failed (actionsLog writes it).
  api.get(new RegExp(`^${escape(repoPath)}/actions/jobs/(\\d+)$`)).reply((uri) => {
    record("GET", uri, null);
    const id = /jobs\/(\d+)$/.exec(uri)?.[1] ?? "";
    const log = o.logs[id];
    if (log === undefined) return [404, { message: "Not Found" }];
    const step = /##\[group\](Run [^\n]+)/.exec(log)?.[1];
    return [
      200,
      {
        id: Number(id),
        status: "completed",
        conclusion: "failure",
        steps: [
          { name: "Set up job", conclusion: "success", number: 1 },
          ...(step ? [{ name: step.trim(), conclusion: "failure", number: 2 }] : []),
        ],
      },
    ];
  });
  api.get(new RegExp(`^${escape(repoPath)}/actions/jobs/(\\d+)/logs$`)).reply((uri) => {
    record("GET", uri, null);
    const id = /jobs\/(\d+)\/logs/.exec(uri)?.[1] ?? "";
    return o.logs[id] === undefined
      ? [404, { message: "Not Found" }]
      : [302, "", { location: `${BLOB_HOST}/logs/${id}.txt?sig=abc` }];
  });
  api
    .get(new RegExp(`^${escape(prefix)}/repos/${escape(owner)}/(${escape(name)}|\\.github)/contents/(.+)$`))
    .reply(function (uri) {
      record("GET", uri, null);
      const m = new RegExp(`/repos/${escape(owner)}/([^/]+)/contents/([^?]+)`).exec(uri);
      const path = decodeURIComponent(m?.[2] ?? "");
      const atRef = /[?&]ref=/.test(uri);
      const token = String(this.req.headers.authorization ?? "").replace(/^(token|bearer) /i, "");
      const coversOrgRepo = (
        (ISSUED.get(token) as { repositories?: string[] } | undefined)?.repositories ?? []
      ).includes(".github");
      const text =
        m?.[1] === ".github"
          ? coversOrgRepo
            ? o.orgFiles?.[path]
            : undefined
          : m?.[1] !== name
            ? undefined
            : atRef
              ? o.headFiles?.[path]
              : path === ".github/sentinel.yml"
                ? o.config
                : o.files?.[path];
      if (text === undefined) return [404, { message: "Not Found" }];
      // As GitHub does: the raw media type gets the file itself, the default gets JSON with base64.
      const accept = String(this.req.headers.accept ?? "");
      if (accept.includes("raw")) return [200, text, { "content-type": "text/plain; charset=utf-8" }];
      return [200, { type: "file", encoding: "base64", content: Buffer.from(text).toString("base64") }];
    });
  api.get(new RegExp(`^${escape(repoPath)}/commits/([0-9a-f]+)/pulls$`)).reply((uri) => {
    record("GET", uri, null);
    const sha = /commits\/([0-9a-f]+)\/pulls/.exec(uri)?.[1] ?? "";
    return [
      200,
      (o.pulls?.[sha] ?? []).map((p) => ({
        number: p.number,
        state: "open",
        head: { sha, repo: { full_name: p.headRepo } },
      })),
    ];
  });
  api.get(new RegExp(`^${escape(repoPath)}/pulls/(\\d+)$`)).reply((uri) => {
    record("GET", uri, null);
    const n = Number(/pulls\/(\d+)$/.exec(uri)?.[1]);
    const found = Object.entries(o.pulls ?? {})
      .filter(([, prs]) => prs.some((p) => p.number === n))
      .pop();
    if (!found) return [404, { message: "Not Found" }];
    const [sha, prs] = found;
    const pr = prs.find((p) => p.number === n)!;
    // As GitHub answers: the head's repository says whether it comes from a fork.
    return [
      200,
      {
        number: n,
        state: "open",
        body: "",
        user: { login: "dev" },
        head: { sha, ref: "feature", repo: { full_name: pr.headRepo } },
        base: { ref: "main", repo: { full_name: o.repo } },
      },
    ];
  });
  api.get(new RegExp(`^${escape(repoPath)}/pulls/(\\d+)/files`)).reply((uri) => {
    record("GET", uri, null);
    const n = Number(/pulls\/(\d+)\/files/.exec(uri)?.[1]);
    return [200, (o.prFiles?.[n] ?? []).map((filename) => ({ filename, status: "modified" }))];
  });
  api.get(new RegExp(`^${escape(repoPath)}/actions/runs/(\\d+)/jobs`)).reply((uri) => {
    record("GET", uri, null);
    const id = /runs\/(\d+)\/jobs/.exec(uri)?.[1] ?? "";
    const jobs = (o.runJobs?.[id] ?? []).map((j) => ({
      ...j,
      html_url: `https://github.com/${o.repo}/actions/runs/${id}/job/${j.id}`,
      run_attempt: 1,
    }));
    return [200, { total_count: jobs.length, jobs }];
  });
  api.post(`${repoPath}/check-runs`).reply((uri, body) => {
    record("POST", uri, body);
    const id = nextId++;
    const b = body as Record<string, unknown>;
    checkRuns.set(id, {
      id,
      body: b,
      annotations: [...((b.output as { annotations?: unknown[] })?.annotations ?? [])],
    });
    return [201, { id }];
  });
  api.patch(new RegExp(`^${escape(repoPath)}/check-runs/(\\d+)$`)).reply((uri, body) => {
    record("PATCH", uri, body);
    const id = Number(/check-runs\/(\d+)/.exec(uri)?.[1]);
    const run = checkRuns.get(id);
    if (!run) return [404, { message: "Not Found" }];
    const b = body as Record<string, unknown>;
    run.body = { ...run.body, ...b };
    run.annotations.push(...((b.output as { annotations?: unknown[] })?.annotations ?? []));
    return [200, { id }];
  });
  api.get(new RegExp(`^${escape(repoPath)}/issues/(\\d+)/comments`)).reply((uri) => {
    record("GET", uri, null);
    const issue = Number(/issues\/(\d+)\/comments/.exec(uri)?.[1]);
    return [
      200,
      [...comments.values()]
        .filter((c) => c.issue === issue)
        .map((c) => ({
          id: c.id,
          body: c.body,
          performed_via_github_app: c.appId === null ? null : { id: c.appId },
          user: { type: c.appId === null ? "User" : "Bot" },
        })),
    ];
  });
  api.post(new RegExp(`^${escape(repoPath)}/issues/(\\d+)/comments$`)).reply((uri, body) => {
    record("POST", uri, body);
    const issue = Number(/issues\/(\d+)\/comments/.exec(uri)?.[1]);
    const id = nextId++;
    comments.set(id, { id, issue, body: (body as { body: string }).body, appId: o.appId ?? 123 });
    return [201, { id }];
  });
  api.patch(new RegExp(`^${escape(repoPath)}/issues/comments/(\\d+)$`)).reply((uri, body) => {
    record("PATCH", uri, body);
    const id = Number(/comments\/(\d+)/.exec(uri)?.[1]);
    const c = comments.get(id);
    if (!c) return [404, { message: "Not Found" }];
    if (c.appId === null) return [403, { message: "Resource not accessible by integration" }];
    c.body = (body as { body: string }).body;
    return [200, { id }];
  });
  const opened: Array<{ number: number; head: string; base: string; title: string; body: string }> = [];
  api.get(new RegExp(`^${escape(repoPath)}/pulls(\\?.*)?$`)).reply((uri) => {
    record("GET", uri, null);
    const head = decodeURIComponent(/[?&]head=([^&]+)/.exec(uri)?.[1] ?? "");
    return [
      200,
      opened
        .filter((p) => `${owner}:${p.head}` === head)
        .map((p) => ({ number: p.number, html_url: `https://github.com/${o.repo}/pull/${p.number}` })),
    ];
  });
  api.post(`${repoPath}/pulls`).reply((uri, body) => {
    record("POST", uri, body);
    const b = body as { head: string; base: string; title: string; body: string };
    const number = 100 + opened.length;
    opened.push({ number, ...b });
    return [201, { number, html_url: `https://github.com/${o.repo}/pull/${number}` }];
  });
  api.patch(new RegExp(`^${escape(repoPath)}/pulls/(\\d+)$`)).reply((uri, body) => {
    record("PATCH", uri, body);
    return [200, { number: Number(/pulls\/(\d+)$/.exec(uri)?.[1]) }];
  });
  // Re-runs and issues (flaky handling), recorded with the token they were made with.
  const reruns: string[] = [];
  const issues = new Map(
    Object.entries(o.issues ?? {}).map(([n, i]) => [
      Number(n),
      { number: Number(n), state: i.state, title: i.title ?? "", body: i.body ?? "", labels: [] as string[] },
    ]),
  );
  function recordWithAuth(
    this: { req: { headers: Record<string, unknown> } },
    method: string,
    uri: string,
    body: unknown,
  ) {
    calls.push({ method, path: uri, body, authorization: String(this.req.headers.authorization ?? "") });
  }
  api.post(new RegExp(`^${escape(repoPath)}/actions/jobs/(\\d+)/rerun$`)).reply(function (uri, body) {
    recordWithAuth.call(this, "POST", uri, body);
    const id = /jobs\/(\d+)\/rerun/.exec(uri)?.[1] ?? "";
    const refused = o.rerunRefused?.[id];
    if (refused !== undefined)
      return [
        403,
        {
          message: refused,
          documentation_url: "https://docs.github.com/rest/actions/workflow-runs#re-run-a-job-from-a-workflow-run",
        },
      ];
    reruns.push(id);
    return [201, {}];
  });
  api.get(new RegExp(`^${escape(repoPath)}/issues/(\\d+)$`)).reply(function (uri) {
    recordWithAuth.call(this, "GET", uri, null);
    const issue = issues.get(Number(/issues\/(\d+)$/.exec(uri)?.[1]));
    return issue
      ? [200, { ...issue, html_url: `https://github.com/${o.repo}/issues/${issue.number}` }]
      : [404, { message: "Not Found" }];
  });
  api.patch(new RegExp(`^${escape(repoPath)}/issues/(\\d+)$`)).reply(function (uri, body) {
    recordWithAuth.call(this, "PATCH", uri, body);
    const issue = issues.get(Number(/issues\/(\d+)$/.exec(uri)?.[1]));
    if (!issue) return [404, { message: "Not Found" }];
    Object.assign(issue, body as object);
    return [200, { ...issue, html_url: `https://github.com/${o.repo}/issues/${issue.number}` }];
  });
  api.post(`${repoPath}/issues`).reply(function (uri, body) {
    recordWithAuth.call(this, "POST", uri, body);
    const b = body as { title: string; body: string; labels?: string[] };
    // Issue numbers share one sequence with pull requests on GitHub; these start well above the tests' PRs.
    const number = Math.max(500, ...issues.keys()) + 1;
    issues.set(number, { number, state: "open", title: b.title, body: b.body, labels: b.labels ?? [] });
    return [201, { number, html_url: `https://github.com/${o.repo}/issues/${number}` }];
  });
  api.get(new RegExp(`^${escape(repoPath)}/check-runs/(\\d+)/annotations`)).reply((uri) => {
    record("GET", uri, null);
    return [200, o.checkAnnotations?.[/check-runs\/(\d+)\/annotations/.exec(uri)?.[1] ?? ""] ?? []];
  });
  api.get(new RegExp(`^${escape(repoPath)}/check-suites/(\\d+)/check-runs`)).reply((uri) => {
    record("GET", uri, null);
    const runs = o.suiteRuns?.[/check-suites\/(\d+)\/check-runs/.exec(uri)?.[1] ?? ""] ?? [];
    return [200, { total_count: runs.length, check_runs: runs }];
  });
  const blobAuthHeaders: string[] = [];
  const blob = nock(BLOB_HOST).persist();
  blob.get(/^\/logs\/(\d+)\.txt/).reply(function (uri) {
    blobAuthHeaders.push(String(this.req.headers.authorization ?? ""));
    const id = /logs\/(\d+)\.txt/.exec(uri)?.[1] ?? "";
    return [200, o.logs[id] ?? ""];
  });
  return {
    calls,
    comments,
    /** Pull requests Sentinel opened. */
    opened,
    /** Job ids Sentinel asked GitHub to re-run, in order. */
    reruns,
    /** Issues by number: the ones given, and the ones Sentinel opened or edited. */
    issues,
    /** Every installation token handed out, with the request that asked for it. */
    tokens,
    /** The Authorization header of every blob download ("" when none was sent). */
    blobAuthHeaders,
    /** A comment someone else wrote (a human, another bot). */
    addForeignComment(issue: number, body: string) {
      const id = nextId++;
      comments.set(id, { id, issue, body, appId: null });
      return id;
    },
    checkRuns,
    /** Requests to the blob host must never carry the installation token. */
    done() {
      nock.cleanAll();
    },
  };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** A job log as GitHub Actions prints it: timestamps, a step group, the tool's output. */
export function actionsLog(step: string, output: string, exitCode = 1): string {
  let t = Date.UTC(2026, 10, 22, 9, 0, 0);
  const stamp = () => new Date((t += 7)).toISOString().replace("Z", "0000Z");
  const lines = [
    `##[group]Run ${step}`,
    step,
    "##[endgroup]",
    ...output.replace(/\n$/, "").split("\n"),
    `##[error]Process completed with exit code ${exitCode}.`,
  ];
  return lines.map((l) => `${stamp()} ${l}`).join("\n") + "\n";
}

export interface FakeGithubCommandOptions {
  readonly repo: string;
  readonly baseUrl?: string;
  /** login → the collaborator permission API's answer; a login not listed is a 404. */
  readonly collaborators?: Readonly<
    Record<string, { permission: string; role_name: string; permissions?: Readonly<Record<string, boolean>> }>
  >;
  /** "org/slug" → login → membership state; a team not listed is a 404, one in `hiddenTeams` a 403. */
  readonly teams?: Readonly<Record<string, Readonly<Record<string, "active" | "pending">>>>;
  readonly hiddenTeams?: readonly string[];
  /** Pull requests by number (headRepo null: the fork was deleted). */
  readonly pulls?: Readonly<
    Record<
      number,
      {
        headSha: string;
        headRef: string;
        baseRef: string;
        headRepo: string | null;
        state: "open" | "closed";
        merged: boolean;
        author: string;
      }
    >
  >;
  /** Issues that already exist; `gone` ones were deleted (410). */
  readonly issues?: Readonly<Record<number, { state: "open" | "closed"; title: string; body: string; gone?: boolean }>>;
  /** Job id → the message GitHub answers (403) when it refuses to re-run the job. */
  readonly rerunRefused?: Readonly<Record<string, string>>;
  /** Repositories the installation covers (default: this one): a token for others gets GitHub's 422. */
  readonly installedRepos?: readonly string[];
  /** Check run id → its annotations, as another CI (not GitHub Actions) reported them. */
  readonly checkAnnotations?: Readonly<
    Record<
      string,
      Array<{
        path: string;
        start_line: number;
        start_column?: number;
        annotation_level: string;
        message: string;
        title?: string;
      }>
    >
  >;
  /** Check suite id → its check runs, as another CI reported them. */
  readonly suiteRuns?: Readonly<
    Record<
      string,
      Array<{
        id: number;
        name: string;
        conclusion: string;
        details_url?: string;
        app?: { slug: string };
        output?: { title?: string; summary?: string; text?: string };
      }>
    >
  >;
}

/**
 * The GitHub REST endpoints `/sentinel` commands and flaky handling use, as nock interceptors:
 * collaborator permission, team membership, reactions, comments, job re-runs, issues, pull
 * requests. Separate from `fakeGithub` so its routes stay as they are; use one or the other.
 */
export function fakeGithubCommandApi(o: FakeGithubCommandOptions) {
  const base = o.baseUrl ?? "https://api.github.com";
  const prefix = base.endsWith("/api/v3") ? "/api/v3" : "";
  const [owner, name] = o.repo.split("/") as [string, string];
  const repoPath = `${prefix}/repos/${owner}/${name}`;
  const calls: ApiCall[] = [];
  const authorizations: string[] = [];
  const reactions: Array<{ commentId: number; content: string }> = [];
  const comments: Array<{ id: number; issue: number; body: string }> = [];
  const issues = new Map(Object.entries(o.issues ?? {}).map(([n, i]) => [Number(n), { ...i, labels: [] as string[] }]));
  const reruns: string[] = [];
  let nextId = 9000;
  const api = nock(new URL(base).origin).persist();
  function record(this: { req: { headers: Record<string, unknown> } }, method: string, uri: string, body: unknown) {
    calls.push({ method, path: uri, body });
    authorizations.push(String(this.req.headers.authorization ?? ""));
  }

  api.get(new RegExp(`^${escape(repoPath)}/collaborators/([^/]+)/permission$`)).reply(function (uri) {
    record.call(this, "GET", uri, null);
    const login = decodeURIComponent(/collaborators\/([^/]+)\/permission/.exec(uri)?.[1] ?? "");
    const c = o.collaborators?.[login];
    if (!c)
      return [
        404,
        {
          message: "Not Found",
          documentation_url:
            "https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user",
        },
      ];
    return [
      200,
      {
        permission: c.permission,
        role_name: c.role_name,
        user: { login, type: "User", ...(c.permissions ? { permissions: c.permissions } : {}) },
      },
    ];
  });
  api.get(new RegExp(`^${escape(prefix)}/orgs/([^/]+)/teams/([^/]+)/memberships/([^/]+)$`)).reply(function (uri) {
    record.call(this, "GET", uri, null);
    const [, org, slug, login] = (/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)/.exec(uri) ?? []).map((s) =>
      decodeURIComponent(s ?? ""),
    );
    const team = `${org}/${slug}`;
    if (o.hiddenTeams?.includes(team)) return [403, { message: "Resource not accessible by integration" }];
    const state = o.teams?.[team]?.[login ?? ""];
    return state
      ? [200, { url: `${base}/teams/1/memberships/${login}`, role: "member", state }]
      : [404, { message: "Not Found" }];
  });
  api.post(new RegExp(`^${escape(repoPath)}/issues/comments/(\\d+)/reactions$`)).reply(function (uri, body) {
    record.call(this, "POST", uri, body);
    const commentId = Number(/comments\/(\d+)\/reactions/.exec(uri)?.[1]);
    const content = (body as { content: string }).content;
    // As GitHub does: the same reaction again is a 200 with the existing one.
    const again = reactions.some((r) => r.commentId === commentId && r.content === content);
    if (!again) reactions.push({ commentId, content });
    return [again ? 200 : 201, { id: nextId++, content }];
  });
  api.post(new RegExp(`^${escape(repoPath)}/issues/(\\d+)/comments$`)).reply(function (uri, body) {
    record.call(this, "POST", uri, body);
    const id = nextId++;
    comments.push({
      id,
      issue: Number(/issues\/(\d+)\/comments/.exec(uri)?.[1]),
      body: (body as { body: string }).body,
    });
    return [201, { id, html_url: `https://github.com/${o.repo}/pull/1#issuecomment-${id}` }];
  });
  api.post(new RegExp(`^${escape(repoPath)}/actions/jobs/(\\d+)/rerun$`)).reply(function (uri, body) {
    record.call(this, "POST", uri, body);
    const id = /jobs\/(\d+)\/rerun/.exec(uri)?.[1] ?? "";
    const refused = o.rerunRefused?.[id];
    if (refused !== undefined) return [403, { message: refused }];
    reruns.push(id);
    return [201, {}];
  });
  api.get(new RegExp(`^${escape(repoPath)}/issues/(\\d+)$`)).reply(function (uri) {
    record.call(this, "GET", uri, null);
    const n = Number(/issues\/(\d+)$/.exec(uri)?.[1]);
    const issue = issues.get(n);
    if (!issue) return [404, { message: "Not Found" }];
    if (issue.gone) return [410, { message: "This issue was deleted" }];
    return [
      200,
      {
        number: n,
        state: issue.state,
        title: issue.title,
        body: issue.body,
        html_url: `https://github.com/${o.repo}/issues/${n}`,
      },
    ];
  });
  api.patch(new RegExp(`^${escape(repoPath)}/issues/(\\d+)$`)).reply(function (uri, body) {
    record.call(this, "PATCH", uri, body);
    const n = Number(/issues\/(\d+)$/.exec(uri)?.[1]);
    const issue = issues.get(n);
    if (!issue) return [404, { message: "Not Found" }];
    Object.assign(issue, body as object);
    return [200, { number: n, state: issue.state, html_url: `https://github.com/${o.repo}/issues/${n}` }];
  });
  api.post(`${repoPath}/issues`).reply(function (uri, body) {
    record.call(this, "POST", uri, body);
    const b = body as { title: string; body: string; labels?: string[] };
    const n = Math.max(0, ...issues.keys()) + 1;
    issues.set(n, { state: "open", title: b.title, body: b.body, labels: b.labels ?? [] });
    return [201, { number: n, html_url: `https://github.com/${o.repo}/issues/${n}` }];
  });
  api.get(new RegExp(`^${escape(repoPath)}/pulls/(\\d+)$`)).reply(function (uri) {
    record.call(this, "GET", uri, null);
    const n = Number(/pulls\/(\d+)$/.exec(uri)?.[1]);
    const pr = o.pulls?.[n];
    if (!pr) return [404, { message: "Not Found" }];
    return [
      200,
      {
        number: n,
        state: pr.state,
        merged: pr.merged,
        merged_at: pr.merged ? "2026-11-22T09:00:00Z" : null,
        user: { login: pr.author, type: "User" },
        head: { sha: pr.headSha, ref: pr.headRef, repo: pr.headRepo === null ? null : { full_name: pr.headRepo } },
        base: { ref: pr.baseRef, repo: { full_name: o.repo } },
      },
    ];
  });
  return { calls, authorizations, reactions, comments, issues, reruns };
}
