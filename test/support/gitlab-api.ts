import nock from "nock";
import type { ApiCall } from "./github-api.js";

export interface FakeGitlabOptions {
  readonly baseUrl: string;
  readonly projectId: number;
  readonly defaultBranch?: string;
  /** Job id → trace text. */
  readonly traces: Readonly<Record<string, string>>;
  readonly config?: string;
  /** Merge requests by commit sha (for job hooks, which name none). */
  readonly mergeRequests?: Readonly<Record<string, Array<{ iid: number; sourceProjectId: number }>>>;
  /** Head commits of merge requests named by pipeline hooks (iid → sha). */
  readonly mrHeads?: Readonly<Record<number, string>>;
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
    return o.traces[id] === undefined ? [404, { message: "404 Not found" }] : [200, o.traces[id], { "content-type": "text/plain" }];
  });
  api.get(new RegExp(`^${p}$`)).reply(() => [200, { id: o.projectId, default_branch: o.defaultBranch ?? "master" }]);
  api.get(new RegExp(`^${p}/repository/files/([^/]+)/raw`)).reply((uri) => {
    record("GET", uri, null);
    const file = decodeURIComponent(/files\/([^/]+)\/raw/.exec(uri)?.[1] ?? "");
    return file === ".gitlab/sentinel.yml" && o.config !== undefined ? [200, o.config, { "content-type": "text/plain" }] : [404, { message: "404 File Not Found" }];
  });
  api.get(new RegExp(`^${p}/repository/commits/([0-9a-f]+)/merge_requests`)).reply((uri) => {
    record("GET", uri, null);
    const sha = /commits\/([0-9a-f]+)\/merge_requests/.exec(uri)?.[1] ?? "";
    return [200, (o.mergeRequests?.[sha] ?? []).map((mr) => ({ iid: mr.iid, state: "opened", sha, source_project_id: mr.sourceProjectId, target_project_id: o.projectId }))];
  });
  api.post(new RegExp(`^${p}/statuses/([0-9a-f]+)`)).reply((uri, body) => {
    record("POST", uri, body);
    statuses.push({ sha: /statuses\/([0-9a-f]+)/.exec(uri)?.[1], ...(body as Record<string, unknown>) });
    return [201, { id: nextId++ }];
  });
  const mergeRequestsOpened: Array<{ iid: number; source_branch: string; target_branch: string; title: string; description: string }> = [];
  api.get(new RegExp(`^${p}/merge_requests\\?`)).reply((uri) => {
    record("GET", uri, null);
    const source = decodeURIComponent(/[?&]source_branch=([^&]+)/.exec(uri)?.[1] ?? "");
    return [200, mergeRequestsOpened.filter((m) => m.source_branch === source).map((m) => ({ iid: m.iid, web_url: `${o.baseUrl}/mr/${m.iid}` }))];
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
  api.get(/^\/api\/v4\/user$/).reply(() => [200, { id: 99, username: "sentinel-bot" }]);
  api.get(new RegExp(`^${p}/merge_requests/(\\d+)$`)).reply((uri) => {
    record("GET", uri, null);
    const iid = Number(/merge_requests\/(\d+)$/.exec(uri)?.[1]);
    const sha = Object.entries(o.mergeRequests ?? {}).find(([, mrs]) => mrs.some((m) => m.iid === iid))?.[0] ?? o.mrHeads?.[iid];
    return sha ? [200, { iid, sha }] : [404, { message: "404 Not found" }];
  });
  api.get(new RegExp(`^${p}/merge_requests/(\\d+)/notes`)).reply((uri) => {
    record("GET", uri, null);
    const mr = Number(/merge_requests\/(\d+)\/notes/.exec(uri)?.[1]);
    return [200, [...notes.values()].filter((n) => n.mr === mr).map((n) => ({ id: n.id, body: n.body, author: { id: n.author } }))];
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
  return { calls, notes, statuses, mergeRequestsOpened };
}

/** A job trace as GitLab Runner prints it: timestamps, collapsible sections, ANSI colours. */
export function gitlabTrace(script: string, output: string): string {
  const t = "2026-11-22T09:00:00.000000Z";
  const lines = [
    `${t} 00O section_start:1763802000:step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting "step_script" stage of the job script\x1b[0;m`,
    `${t} 00O \x1b[32;1m$ ${script}\x1b[0;m`,
    ...output.replace(/\n$/, "").split("\n").map((l) => `${t} 01O ${l}`),
    `${t} 00O section_end:1763802009:step_script\r\x1b[0K`,
    `${t} 00O \x1b[31;1mERROR: Job failed: exit code 1\x1b[0;m`,
  ];
  return lines.join("\n") + "\n";
}
