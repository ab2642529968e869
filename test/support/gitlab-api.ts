import { nock } from "./http-mock.js";
import type { ApiCall } from "./github-api.js";

export interface FakeGitlabOptions {
  readonly baseUrl: string;
  readonly projectId: number;
  /** The project's path_with_namespace (default: GitLab's documented example project's). */
  readonly path?: string;
  readonly defaultBranch?: string;
  /** Job id → trace text. */
  readonly traces: Readonly<Record<string, string>>;
  /**
   * What GET /jobs/:id says of a job (status, commit). A job not listed here failed, and the
   * answer names no commit; a job listed as null does not exist in this project.
   */
  readonly jobs?: Readonly<Record<string, { status: string; sha: string } | null>>;
  readonly config?: string;
  /** Merge requests by commit sha (for job hooks, which name none). */
  readonly mergeRequests?: Readonly<
    Record<string, Array<{ iid: number; sourceProjectId: number; targetProjectId?: number }>>
  >;
  /** Head commits of merge requests named by pipeline hooks (iid → sha). */
  readonly mrHeads?: Readonly<Record<number, string>>;
  /** Files a merge request changes (iid → paths), for its diffs. */
  readonly mrChanges?: Readonly<Record<number, string[]>>;
  /** Merge requests' state as the API answers it (iid → state, source branch, description). */
  readonly mrStates?: Readonly<
    Record<number, { state: "opened" | "merged" | "closed"; source_branch: string; description?: string }>
  >;
  /** Files at a commit other than the default branch's head (sha → path → text). */
  readonly filesAt?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Whether job retries are answered here (default true). */
  readonly answersRetries?: boolean;
}

/**
 * Notes people wrote on merge requests, as GitLab's API has them (project id, MR iid, note id →
 * note): what a Note Hook claims is checked against this, as Sentinel checks it against GitLab.
 * A test that delivers a note someone wrote registers it with writtenOnGitlab; a forged hook's
 * note is not here (or says something else).
 */
const USER_NOTES = new Map<
  string,
  { id: number; body: string; author: { id: number; username: string }; system: boolean }
>();

export function writtenOnGitlab(
  projectId: number,
  mr: number,
  note: { id: number; body: string; author: { id: number; username: string }; system?: boolean },
): void {
  USER_NOTES.set(`${projectId}:${mr}:${note.id}`, { ...note, system: note.system ?? false });
}

/** The GitLab REST API (v4) as nock interceptors: traces, files, MRs, notes, commit statuses. */
export function fakeGitlab(o: FakeGitlabOptions) {
  const calls: ApiCall[] = [];
  const notes = new Map<number, { id: number; mr: number; body: string; author: number }>();
  const statuses: Array<Record<string, unknown>> = [];
  let nextId = 5000;
  const p = `/api/v4/projects/${o.projectId}`;
  const record = (method: string, path: string, body: unknown) => calls.push({ method, path, body });
  const api = nock(o.baseUrl).persist();
  api.get(new RegExp(`^${p}/jobs/(\\d+)/trace$`)).reply(function (uri) {
    record("GET", uri, null);
    if (this.req.headers["private-token"] !== "glpat-test-token") return [401, { message: "401 Unauthorized" }];
    const id = /jobs\/(\d+)\/trace/.exec(uri)?.[1] ?? "";
    return o.traces[id] === undefined
      ? [404, { message: "404 Not found" }]
      : [200, o.traces[id], { "content-type": "text/plain" }];
  });
  api.get(new RegExp(`^${p}/jobs/(\\d+)$`)).reply((uri) => {
    record("GET", uri, null);
    const id = /jobs\/(\d+)$/.exec(uri)?.[1] ?? "";
    const job = o.jobs?.[id];
    if (job === null) return [404, { message: "404 Not found" }];
    return [200, { id: Number(id), status: job?.status ?? "failed", ...(job ? { commit: { id: job.sha } } : {}) }];
  });
  api.get(new RegExp(`^${p}$`)).reply(() => [
    200,
    {
      id: o.projectId,
      path_with_namespace: o.path ?? "gitlab-org/gitlab-test",
      default_branch: o.defaultBranch ?? "master",
    },
  ]);
  api.get(new RegExp(`^${p}/repository/files/([^/]+)/raw`)).reply((uri) => {
    record("GET", uri, null);
    const file = decodeURIComponent(/files\/([^/]+)\/raw/.exec(uri)?.[1] ?? "");
    const ref = decodeURIComponent(/[?&]ref=([^&]+)/.exec(uri)?.[1] ?? "");
    const atCommit = o.filesAt?.[ref];
    const text = atCommit ? atCommit[file] : file === ".gitlab/sentinel.yml" ? o.config : undefined;
    return text !== undefined
      ? [200, text, { "content-type": "text/plain" }]
      : [404, { message: "404 File Not Found" }];
  });
  api.get(new RegExp(`^${p}/merge_requests/(\\d+)/diffs`)).reply((uri) => {
    record("GET", uri, null);
    const iid = Number(/merge_requests\/(\d+)\/diffs/.exec(uri)?.[1]);
    return [
      200,
      (o.mrChanges?.[iid] ?? []).map((path) => ({
        old_path: path,
        new_path: path,
        new_file: false,
        deleted_file: false,
        renamed_file: false,
        diff: "",
      })),
    ];
  });
  api.get(new RegExp(`^${p}/repository/commits/([0-9a-f]+)/merge_requests`)).reply((uri) => {
    record("GET", uri, null);
    const sha = /commits\/([0-9a-f]+)\/merge_requests/.exec(uri)?.[1] ?? "";
    return [
      200,
      (o.mergeRequests?.[sha] ?? []).map((mr) => ({
        iid: mr.iid,
        state: "opened",
        sha,
        source_project_id: mr.sourceProjectId,
        target_project_id: mr.targetProjectId ?? o.projectId,
      })),
    ];
  });
  api.post(new RegExp(`^${p}/statuses/([0-9a-f]+)`)).reply((uri, body) => {
    record("POST", uri, body);
    statuses.push({ sha: /statuses\/([0-9a-f]+)/.exec(uri)?.[1], ...(body as Record<string, unknown>) });
    return [201, { id: nextId++ }];
  });
  const mergeRequestsOpened: Array<{
    iid: number;
    source_branch: string;
    target_branch: string;
    title: string;
    description: string;
  }> = [];
  api.get(new RegExp(`^${p}/merge_requests\\?`)).reply((uri) => {
    record("GET", uri, null);
    const source = decodeURIComponent(/[?&]source_branch=([^&]+)/.exec(uri)?.[1] ?? "");
    return [
      200,
      mergeRequestsOpened
        .filter((m) => m.source_branch === source)
        .map((m) => ({ iid: m.iid, web_url: `${o.baseUrl}/mr/${m.iid}` })),
    ];
  });
  api.post(new RegExp(`^${p}/merge_requests$`)).reply((uri, body) => {
    record("POST", uri, body);
    const b = body as { source_branch: string; target_branch: string; title: string; description: string };
    const iid = 70 + mergeRequestsOpened.length;
    mergeRequestsOpened.push({ iid, ...b });
    return [201, { iid, web_url: `${o.baseUrl}/mr/${iid}` }];
  });
  api.put(new RegExp(`^${p}/merge_requests/(\\d+)$`)).reply((uri, body) => {
    record("PUT", uri, body);
    return [200, { iid: Number(/merge_requests\/(\d+)$/.exec(uri)?.[1]) }];
  });
  // The token's user: a plain account name, as a personal or service-account token has.
  api.get(/^\/api\/v4\/user$/).reply(() => [200, { id: 99, username: "sentinel" }]);
  api.get(new RegExp(`^${p}/merge_requests/(\\d+)$`)).reply((uri) => {
    record("GET", uri, null);
    const iid = Number(/merge_requests\/(\d+)$/.exec(uri)?.[1]);
    const sha =
      Object.entries(o.mergeRequests ?? {}).find(([, mrs]) => mrs.some((m) => m.iid === iid))?.[0] ?? o.mrHeads?.[iid];
    const state = o.mrStates?.[iid];
    if (!sha && !state) return [404, { message: "404 Not found" }];
    return [
      200,
      {
        iid,
        sha: sha ?? "0".repeat(40),
        state: state?.state ?? "opened",
        source_branch: state?.source_branch ?? "feature",
        target_branch: "master",
        description: state?.description ?? "",
        source_project_id: o.projectId,
        target_project_id: o.projectId,
        author: { username: "dev" },
      },
    ];
  });
  // One note: Sentinel's own (the token's user, 99), else one a person wrote (writtenOnGitlab).
  api.get(new RegExp(`^${p}/merge_requests/(\\d+)/notes/(\\d+)$`)).reply((uri) => {
    record("GET", uri, null);
    const [, mr, id] = /merge_requests\/(\d+)\/notes\/(\d+)$/.exec(uri) ?? [];
    const own = notes.get(Number(id));
    if (own && own.mr === Number(mr))
      return [
        200,
        {
          id: own.id,
          body: own.body,
          system: false,
          author: { id: 99, username: "sentinel" },
          noteable_type: "MergeRequest",
          noteable_iid: own.mr,
        },
      ];
    const written = USER_NOTES.get(`${o.projectId}:${mr}:${id}`);
    return written
      ? [200, { ...written, noteable_type: "MergeRequest", noteable_iid: Number(mr) }]
      : [404, { message: "404 Not found" }];
  });
  api.get(new RegExp(`^${p}/merge_requests/(\\d+)/notes(\\?.*)?$`)).reply((uri) => {
    record("GET", uri, null);
    const mr = Number(/merge_requests\/(\d+)\/notes/.exec(uri)?.[1]);
    return [
      200,
      [...notes.values()].filter((n) => n.mr === mr).map((n) => ({ id: n.id, body: n.body, author: { id: n.author } })),
    ];
  });
  api.post(new RegExp(`^${p}/merge_requests/(\\d+)/notes$`)).reply((uri, body) => {
    record("POST", uri, body);
    const mr = Number(/merge_requests\/(\d+)\/notes/.exec(uri)?.[1]);
    const id = nextId++;
    notes.set(id, { id, mr, body: (body as { body: string }).body, author: 99 });
    return [201, { id }];
  });
  api.put(new RegExp(`^${p}/merge_requests/(\\d+)/notes/(\\d+)$`)).reply((uri, body) => {
    record("PUT", uri, body);
    const id = Number(/notes\/(\d+)$/.exec(uri)?.[1]);
    const n = notes.get(id);
    if (!n) return [404, { message: "404 Not found" }];
    n.body = (body as { body: string }).body;
    return [200, { id }];
  });
  // Sentinel re-runs a job it judged flaky or infra-caused (policy.rerun); fakeGitlabProject
  // answers retries itself, with refusals.
  // The retried job ids are kept apart from `calls`, which tests read as what diagnosing asked.
  const retried: string[] = [];
  if (o.answersRetries !== false) {
    api.post(new RegExp(`^${p}/jobs/(\\d+)/retry$`)).reply((uri) => {
      retried.push(/jobs\/(\d+)\/retry/.exec(uri)?.[1] ?? "");
      return [201, { id: nextId++, status: "pending" }];
    });
  }
  return { calls, notes, statuses, mergeRequestsOpened, retried };
}

/** A job trace as GitLab Runner prints it: timestamps, collapsible sections, ANSI colours. */
export function gitlabTrace(script: string, output: string): string {
  const t = "2026-11-22T09:00:00.000000Z";
  const lines = [
    `${t} 00O section_start:1763802000:step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting "step_script" stage of the job script\x1b[0;m`,
    `${t} 00O \x1b[32;1m$ ${script}\x1b[0;m`,
    ...output
      .replace(/\n$/, "")
      .split("\n")
      .map((l) => `${t} 01O ${l}`),
    `${t} 00O section_end:1763802009:step_script\r\x1b[0K`,
    `${t} 00O \x1b[31;1mERROR: Job failed: exit code 1\x1b[0;m`,
  ];
  return lines.join("\n") + "\n";
}

export interface FakeGitlabCommandOptions {
  readonly baseUrl: string;
  readonly projectId: number;
  /** The token the fake accepts (else 401); default glpat-test-token. */
  readonly token?: string;
  /** Username → user id, for the users API. */
  readonly users?: Readonly<Record<string, number>>;
  /** User id → the project membership (members/all); a user not listed is a 404. */
  readonly members?: Readonly<Record<number, { access_level: number; state?: string; membership_state?: string }>>;
  /** Group full path → user id → access level; a group in `hiddenGroups` is a 403, an unknown one a 404. */
  readonly groups?: Readonly<Record<string, Readonly<Record<number, number>>>>;
  readonly hiddenGroups?: readonly string[];
  readonly mergeRequests?: Readonly<
    Record<
      number,
      {
        sha: string;
        source_branch: string;
        target_branch: string;
        source_project_id: number;
        state: string;
        author: string;
      }
    >
  >;
  readonly issues?: Readonly<Record<number, { state: "opened" | "closed"; title: string; description: string }>>;
  /** Job id → the message GitLab answers (403) when it refuses to retry the job. */
  readonly retryRefused?: Readonly<Record<string, string>>;
}

/**
 * The GitLab REST (v4) endpoints `/sentinel` commands and flaky handling use: members (project,
 * group, inherited), users, award emoji on notes, notes, job retry, issues, merge requests.
 * Separate from `fakeGitlab` so its routes stay as they are; use one or the other.
 */
export function fakeGitlabCommandApi(o: FakeGitlabCommandOptions) {
  const token = o.token ?? "glpat-test-token";
  const p = `/api/v4/projects/${o.projectId}`;
  const calls: ApiCall[] = [];
  const awards: Array<{ mr: number; note: number; name: string }> = [];
  const notes: Array<{ id: number; mr: number; body: string }> = [];
  const issues = new Map(Object.entries(o.issues ?? {}).map(([iid, i]) => [Number(iid), { ...i, labels: "" }]));
  const retried: string[] = [];
  let nextId = 7000;
  const api = nock(o.baseUrl).persist();
  // Every route checks the token as GitLab does, so a request without it fails loudly.
  const authorized = (req: { headers: Record<string, unknown> }) => req.headers["private-token"] === token;
  const unauthorized = [401, { message: "401 Unauthorized" }] as const;

  api.get(/^\/api\/v4\/users\?/).reply(function (uri) {
    calls.push({ method: "GET", path: uri, body: null });
    if (!authorized(this.req)) return unauthorized;
    const username = decodeURIComponent(/[?&]username=([^&]+)/.exec(uri)?.[1] ?? "");
    const id = Object.entries(o.users ?? {}).find(([u]) => u.toLowerCase() === username.toLowerCase());
    return [200, id ? [{ id: id[1], username: id[0], state: "active" }] : []];
  });
  api.get(new RegExp(`^${p}/members/all/(\\d+)$`)).reply(function (uri) {
    calls.push({ method: "GET", path: uri, body: null });
    if (!authorized(this.req)) return unauthorized;
    const id = Number(/members\/all\/(\d+)$/.exec(uri)?.[1]);
    const m = o.members?.[id];
    return m
      ? [200, { id, username: `user${id}`, state: "active", membership_state: "active", ...m }]
      : [404, { message: "404 Not found" }];
  });
  api.get(/^\/api\/v4\/groups\/([^/]+)\/members\/all\/(\d+)$/).reply(function (uri) {
    calls.push({ method: "GET", path: uri, body: null });
    if (!authorized(this.req)) return unauthorized;
    const m = /groups\/([^/]+)\/members\/all\/(\d+)$/.exec(uri);
    const group = decodeURIComponent(m?.[1] ?? "");
    const id = Number(m?.[2]);
    if (o.hiddenGroups?.includes(group)) return [403, { message: "403 Forbidden" }];
    const level = o.groups?.[group]?.[id];
    return level === undefined
      ? [404, { message: "404 Not found" }]
      : [200, { id, username: `user${id}`, state: "active", access_level: level }];
  });
  api.post(new RegExp(`^${p}/merge_requests/(\\d+)/notes/(\\d+)/award_emoji$`)).reply(function (uri, body) {
    calls.push({ method: "POST", path: uri, body });
    if (!authorized(this.req)) return unauthorized;
    const m = /merge_requests\/(\d+)\/notes\/(\d+)\/award_emoji/.exec(uri);
    const award = { mr: Number(m?.[1]), note: Number(m?.[2]), name: (body as { name: string }).name };
    // As GitLab does: awarding the same emoji twice is a 404 naming the validation error.
    if (awards.some((a) => a.mr === award.mr && a.note === award.note && a.name === award.name))
      return [404, { message: '404 Award Emoji {:name=>["has already been taken"]} Not Found' }];
    awards.push(award);
    return [201, { id: nextId++, name: award.name, awardable_id: award.note, awardable_type: "Note" }];
  });
  api.post(new RegExp(`^${p}/merge_requests/(\\d+)/notes$`)).reply(function (uri, body) {
    calls.push({ method: "POST", path: uri, body });
    if (!authorized(this.req)) return unauthorized;
    const id = nextId++;
    notes.push({
      id,
      mr: Number(/merge_requests\/(\d+)\/notes/.exec(uri)?.[1]),
      body: (body as { body: string }).body,
    });
    return [201, { id, body: (body as { body: string }).body, system: false }];
  });
  api.post(new RegExp(`^${p}/jobs/(\\d+)/retry$`)).reply(function (uri, body) {
    calls.push({ method: "POST", path: uri, body });
    if (!authorized(this.req)) return unauthorized;
    const id = /jobs\/(\d+)\/retry/.exec(uri)?.[1] ?? "";
    const refused = o.retryRefused?.[id];
    if (refused !== undefined) return [403, { message: refused }];
    retried.push(id);
    return [201, { id: nextId++, status: "pending" }];
  });
  api.get(new RegExp(`^${p}/issues/(\\d+)$`)).reply(function (uri) {
    calls.push({ method: "GET", path: uri, body: null });
    if (!authorized(this.req)) return unauthorized;
    const iid = Number(/issues\/(\d+)$/.exec(uri)?.[1]);
    const issue = issues.get(iid);
    return issue
      ? [200, { iid, ...issue, web_url: `${o.baseUrl}/issues/${iid}` }]
      : [404, { message: "404 Not found" }];
  });
  api.put(new RegExp(`^${p}/issues/(\\d+)$`)).reply(function (uri, body) {
    calls.push({ method: "PUT", path: uri, body });
    if (!authorized(this.req)) return unauthorized;
    const iid = Number(/issues\/(\d+)$/.exec(uri)?.[1]);
    const issue = issues.get(iid);
    if (!issue) return [404, { message: "404 Not found" }];
    Object.assign(issue, body as object);
    return [200, { iid, ...issue, web_url: `${o.baseUrl}/issues/${iid}` }];
  });
  api.post(new RegExp(`^${p}/issues$`)).reply(function (uri, body) {
    calls.push({ method: "POST", path: uri, body });
    if (!authorized(this.req)) return unauthorized;
    const b = body as { title: string; description?: string; labels?: string };
    const iid = Math.max(0, ...issues.keys()) + 1;
    issues.set(iid, { state: "opened", title: b.title, description: b.description ?? "", labels: b.labels ?? "" });
    return [201, { iid, web_url: `${o.baseUrl}/issues/${iid}` }];
  });
  api.get(new RegExp(`^${p}/merge_requests/(\\d+)$`)).reply(function (uri) {
    calls.push({ method: "GET", path: uri, body: null });
    if (!authorized(this.req)) return unauthorized;
    const iid = Number(/merge_requests\/(\d+)$/.exec(uri)?.[1]);
    const mr = o.mergeRequests?.[iid];
    if (!mr) return [404, { message: "404 Not found" }];
    return [200, { iid, ...mr, target_project_id: o.projectId, author: { id: 8, username: mr.author } }];
  });
  return { calls, awards, notes, issues, retried };
}

/**
 * One GitLab project for a whole scenario through the server, where a failure is diagnosed and
 * then commands are answered: `fakeGitlab`'s routes first (traces, files, statuses, notes, merge
 * requests), then `fakeGitlabCommandApi`'s for what `fakeGitlab` lacks (members, users, award
 * emoji, job retry, issues). Routes both define answer as `fakeGitlab`'s do (nock takes the first
 * match), so every note Sentinel writes, replies and the sticky note alike, is in `notes`.
 */
export function fakeGitlabProject(
  o: FakeGitlabOptions & Omit<FakeGitlabCommandOptions, "baseUrl" | "projectId" | "mergeRequests">,
) {
  const project = fakeGitlab({ ...o, answersRetries: false });
  const { token, users, members, groups, hiddenGroups, issues, retryRefused } = o;
  const commands = fakeGitlabCommandApi({
    baseUrl: o.baseUrl,
    projectId: o.projectId,
    ...(token !== undefined ? { token } : {}),
    ...(users ? { users } : {}),
    ...(members ? { members } : {}),
    ...(groups ? { groups } : {}),
    ...(hiddenGroups ? { hiddenGroups } : {}),
    ...(issues ? { issues } : {}),
    ...(retryRefused ? { retryRefused } : {}),
  });
  return {
    ...project,
    awards: commands.awards,
    commandCalls: commands.calls,
    issues: commands.issues,
    retried: commands.retried,
  };
}
