// A stand-in for the GitHub (Enterprise Server) and GitLab REST APIs on 127.0.0.1, for the demo:
// it serves job logs and files, and keeps the check runs, statuses and comments Sentinel writes.
// Sentinel talks to it exactly as to a real GitHub Enterprise Server (GHE_HOST) or
// self-managed GitLab (GITLAB_URL), so nothing in Sentinel knows it is a demo. With `gitRoot`, the
// bare repositories under it are served over git's smart HTTP on the same origin, as a forge
// serves its git: Sentinel builds fix remotes from that origin, never from a payload.
import { createServer } from "node:http";
import { gitHttpHandler, isGitRequest } from "../git-http-server.mjs";

export async function startFakeForgeApi({
  githubRepo,
  githubRepoId = null,
  gitlabProjectId,
  gitlabProjectPath = "demo/project",
  logs,
  traces,
  pulls,
  mergeRequests,
  githubConfig = null,
  gitRoot = null,
}) {
  const state = {
    checkRuns: new Map(),
    comments: new Map(),
    statuses: [],
    notes: new Map(),
    requests: [],
    pullRequests: [],
    gitRequests: [],
  };
  let nextId = 100;
  const git = gitRoot ? gitHttpHandler({ root: gitRoot, requireAuth: true, requests: state.gitRequests }) : null;
  const server = createServer(async (req, res) => {
    if (git && isGitRequest(new URL(req.url, "http://localhost").pathname)) return git(req, res);
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString() || "null") : null;
    const url = new URL(req.url, "http://localhost");
    const p = url.pathname;
    state.requests.push(`${req.method} ${p}`);
    const json = (status, data, headers = {}) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(JSON.stringify(data));
    };
    const text = (status, data) => {
      res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
      res.end(data);
    };
    let m;
    const gh = `/api/v3/repos/${githubRepo}`;
    // Which repository the id is: the fix pipeline asks before it builds the remote.
    if (req.method === "GET" && p === gh && githubRepoId !== null)
      return json(200, { id: githubRepoId, full_name: githubRepo, default_branch: "main" });
    if (req.method === "POST" && (m = /^\/api\/v3\/app\/installations\/(\d+)\/access_tokens$/.exec(p)))
      return json(201, { token: "ghs_demo", expires_at: new Date(Date.now() + 3600e3).toISOString() });
    if (req.method === "GET" && (m = new RegExp(`^${gh}/actions/jobs/(\\d+)/logs$`).exec(p)))
      return json(302, {}, { location: `http://${req.headers.host}/blob/${m[1]}.log` });
    // The job's steps as GitHub reports them: the log's `Run <command>` step failed.
    if (req.method === "GET" && (m = new RegExp(`^${gh}/actions/jobs/(\\d+)$`).exec(p))) {
      const step = /##\[group\](Run [^\n]+)/.exec(logs[m[1]] ?? "")?.[1]?.trim();
      return json(200, {
        id: Number(m[1]),
        conclusion: "failure",
        steps: step ? [{ name: step, conclusion: "failure", number: 2 }] : [],
      });
    }
    if (req.method === "GET" && (m = /^\/blob\/(\d+)\.log$/.exec(p))) return text(200, logs[m[1]] ?? "");
    if (
      req.method === "GET" &&
      decodeURIComponent(p) === `${gh}/contents/.github/sentinel.yml` &&
      githubConfig !== null
    ) {
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      return res.end(githubConfig);
    }
    if (req.method === "GET" && /\/contents\//.test(p)) return json(404, { message: "Not Found" });
    if (req.method === "GET" && p === `${gh}/pulls`) {
      const head = url.searchParams.get("head");
      return json(
        200,
        state.pullRequests
          .filter((pr) => `${githubRepo.split("/")[0]}:${pr.head}` === head)
          .map((pr) => ({ number: pr.number, html_url: `https://example.invalid/pull/${pr.number}` })),
      );
    }
    if (req.method === "POST" && p === `${gh}/pulls`) {
      const number = 500 + state.pullRequests.length;
      state.pullRequests.push({ number, at: performance.now(), ...body });
      return json(201, { number, html_url: `https://example.invalid/pull/${number}` });
    }
    if (req.method === "GET" && (m = new RegExp(`^${gh}/commits/([0-9a-f]+)/pulls$`).exec(p)))
      return json(
        200,
        (pulls[m[1]] ?? []).map((n) => ({
          number: n,
          state: "open",
          head: { sha: m[1], repo: { full_name: githubRepo } },
        })),
      );
    if (req.method === "POST" && p === `${gh}/check-runs`) {
      const id = nextId++;
      state.checkRuns.set(id, { ...body, annotations: [...(body.output?.annotations ?? [])] });
      return json(201, { id });
    }
    if (req.method === "PATCH" && (m = new RegExp(`^${gh}/check-runs/(\\d+)$`).exec(p))) {
      const run = state.checkRuns.get(Number(m[1]));
      if (!run) return json(404, { message: "Not Found" });
      Object.assign(run, body, { annotations: [...run.annotations, ...(body.output?.annotations ?? [])] });
      return json(200, { id: Number(m[1]) });
    }
    if (req.method === "GET" && (m = new RegExp(`^${gh}/pulls/(\\d+)$`).exec(p))) {
      const sha = Object.entries(pulls).find(([, ns]) => ns.includes(Number(m[1])))?.[0];
      return sha ? json(200, { number: Number(m[1]), head: { sha } }) : json(404, { message: "Not Found" });
    }
    if (req.method === "GET" && (m = new RegExp(`^${gh}/issues/(\\d+)/comments$`).exec(p)))
      return json(
        200,
        [...state.comments.values()]
          .filter((c) => c.issue === Number(m[1]))
          .map((c) => ({ ...c, performed_via_github_app: { id: 1 } })),
      );
    if (req.method === "POST" && (m = new RegExp(`^${gh}/issues/(\\d+)/comments$`).exec(p))) {
      const id = nextId++;
      state.comments.set(id, { id, issue: Number(m[1]), body: body.body });
      return json(201, { id });
    }
    if (req.method === "PATCH" && (m = new RegExp(`^${gh}/issues/comments/(\\d+)$`).exec(p))) {
      const c = state.comments.get(Number(m[1]));
      if (!c) return json(404, { message: "Not Found" });
      c.body = body.body;
      return json(200, { id: c.id });
    }
    const gl = `/api/v4/projects/${gitlabProjectId}`;
    if (req.method === "GET" && (m = new RegExp(`^${gl}/jobs/(\\d+)/trace$`).exec(p)))
      return text(200, traces[m[1]] ?? "");
    // Sentinel asks the API whether a hook's job really failed before reading its trace.
    if (req.method === "GET" && (m = new RegExp(`^${gl}/jobs/(\\d+)$`).exec(p)))
      return traces[m[1]] === undefined
        ? json(404, { message: "404 Not found" })
        : json(200, { id: Number(m[1]), status: "failed" });
    if (req.method === "GET" && p === gl)
      return json(200, { id: gitlabProjectId, path_with_namespace: gitlabProjectPath, default_branch: "main" });
    if (req.method === "GET" && p === "/api/v4/user") return json(200, { id: 77, username: "sentinel" });
    if (req.method === "GET" && new RegExp(`^${gl}/merge_requests/\\d+$`).test(p))
      return json(404, { message: "404 Not found" });
    if (req.method === "GET" && /\/repository\/files\//.test(p)) return json(404, { message: "404 File Not Found" });
    if (req.method === "GET" && (m = new RegExp(`^${gl}/repository/commits/([0-9a-f]+)/merge_requests$`).exec(p)))
      return json(
        200,
        (mergeRequests[m[1]] ?? []).map((iid) => ({
          iid,
          state: "opened",
          sha: m[1],
          source_project_id: gitlabProjectId,
          target_project_id: gitlabProjectId,
        })),
      );
    if (req.method === "POST" && (m = new RegExp(`^${gl}/statuses/([0-9a-f]+)$`).exec(p))) {
      state.statuses.push({ sha: m[1], ...body });
      return json(201, { id: nextId++ });
    }
    if (req.method === "GET" && (m = new RegExp(`^${gl}/merge_requests/(\\d+)/notes$`).exec(p)))
      return json(
        200,
        [...state.notes.values()].filter((n) => n.mr === Number(m[1])).map((n) => ({ ...n, author: { id: 77 } })),
      );
    if (req.method === "POST" && (m = new RegExp(`^${gl}/merge_requests/(\\d+)/notes$`).exec(p))) {
      const id = nextId++;
      state.notes.set(id, { id, mr: Number(m[1]), body: body.body });
      return json(201, { id });
    }
    if (req.method === "PUT" && (m = new RegExp(`^${gl}/merge_requests/(\\d+)/notes/(\\d+)$`).exec(p))) {
      const n = state.notes.get(Number(m[2]));
      if (!n) return json(404, { message: "404 Not found" });
      n.body = body.body;
      return json(200, { id: n.id });
    }
    json(404, { message: `demo API has no ${req.method} ${p}` });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { port: server.address().port, state, close: () => new Promise((r) => server.close(r)) };
}
