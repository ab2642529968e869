// A stand-in for the GitHub Enterprise Server REST API on 127.0.0.1, with what the diagnose and fix
// flows call (the routes test/support/github-api.ts fakes): installation tokens, job logs behind a
// redirect to "blob storage", contents (.github/sentinel.yml), a commit's pull requests, pull
// requests (get, list by head, create, update), check runs, issue comments. Sentinel reaches it
// through GHE_HOST/GHE_PROTOCOL exactly as it would a real server.
//
// It behaves as GitHub does where the faults bench needs it to: creating a pull request for a
// head that already has an open one is refused with 422 ("A pull request already exists"), and
// so is one whose head branch does not exist in the repository (checked in the bare repo on disk
// that is the repository's remote). Every creation, refusal and update is recorded, so the bench
// counts pull requests per fix branch from what the "forge" saw, not from what Sentinel says.
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { gitHttpHandler, isGitRequest } from "../../scripts/git-http-server.mjs";

const GIT_ENV = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };

/**
 * repos: Map full_name → { remote (bare repo path), repoId, config (text of .github/sentinel.yml) };
 * gitRoot: the folder whose `<owner>/<name>.git` bare repositories are served over git's smart HTTP;
 * logs: Map job id → log text; pulls: Map `${repo}@${sha}` → [{ number, headRef }] (people's
 * pull requests the failing commits belong to); appId: the App's id (its comments carry it).
 */
export async function startGithubStandIn({ repos, logs, pulls, appId, gitRoot }) {
  const state = {
    requests: 0,
    tokens: 0,
    /** Pull requests opened: { repo, number, head, base, title, headCommit, at }. */
    created: [],
    /** Creations GitHub would refuse: { repo, head, why }. */
    refused: [],
    updated: [],
    /** Check runs by id: { repo, sha, name, updates }. */
    checkRuns: new Map(),
    /** Comments by id: { repo, issue, body, updates }. */
    comments: new Map(),
    /** Requests no route answered (the flow called something this stand-in does not know). */
    unknown: [],
    logsServed: 0,
  };
  const openByHead = new Map(); // `${repo}#${head}` -> number
  const nextNumber = new Map(); // repo -> next pull request number
  let nextId = 10_000;

  const branchCommit = (repo, branch) => {
    const remote = repos.get(repo)?.remote;
    if (!remote || !/^[A-Za-z0-9._/-]+$/.test(branch)) return null;
    try {
      return (
        execFileSync("git", ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`], {
          cwd: remote,
          env: GIT_ENV,
          encoding: "utf8",
        }).trim() || null
      );
    } catch {
      return null;
    }
  };
  const humanPull = (repo, number) => {
    for (const [key, prs] of pulls) {
      const [r, sha] = key.split("@");
      if (r !== repo) continue;
      const pr = prs.find((p) => p.number === number);
      if (pr) return { sha, ...pr };
    }
    return null;
  };

  const git = gitHttpHandler({ root: gitRoot, requireAuth: true, requests: [] });
  const server = createServer(async (req, res) => {
    if (isGitRequest(new URL(req.url, "http://standin").pathname)) return git(req, res);
    state.requests++;
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks).toString();
    let body;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = null;
    }
    const url = new URL(req.url, "http://standin");
    const p = decodeURIComponent(url.pathname);
    const json = (status, data, headers = {}) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(JSON.stringify(data));
    };
    const m = (re) => re.exec(p);
    let r;

    if (req.method === "GET" && (r = m(/^\/blob\/(\d+)\.log$/))) {
      const text = logs.get(r[1]);
      state.logsServed++;
      if (text === undefined) return json(404, { message: "Not Found" });
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      return res.end(text);
    }
    if (!p.startsWith("/api/v3/")) return unknown();
    const api = p.slice("/api/v3".length);

    if (req.method === "POST" && m(/^\/api\/v3\/app\/installations\/\d+\/access_tokens$/)) {
      state.tokens++;
      return json(201, {
        token: `ghs_bench${String(state.tokens).padStart(28, "0")}`,
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        permissions: body?.permissions ?? {},
      });
    }
    const repoMatch = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(api);
    if (!repoMatch) return unknown();
    const repo = `${repoMatch[1]}/${repoMatch[2]}`;
    const rest = repoMatch[3] ?? "";
    const known = repos.get(repo);

    if (req.method === "GET" && (r = /^\/contents\/(.+)$/.exec(rest))) {
      // The org's `.github` repository and any file other than the config: not there.
      if (!known || r[1] !== ".github/sentinel.yml" || known.config === null)
        return json(404, { message: "Not Found" });
      if (String(req.headers.accept ?? "").includes("raw")) {
        res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
        return res.end(known.config);
      }
      return json(200, { type: "file", encoding: "base64", content: Buffer.from(known.config).toString("base64") });
    }
    if (!known) return json(404, { message: "Not Found" });
    if (req.method === "GET" && rest === "")
      return json(200, { id: known.repoId, full_name: repo, default_branch: "main" });

    if (req.method === "GET" && (r = /^\/actions\/jobs\/(\d+)$/.exec(rest))) {
      // The job's steps as GitHub reports them: the log's `Run <command>` step failed.
      const step = /##\[group\](Run [^\n]+)/.exec(logs.get(r[1]) ?? "")?.[1]?.trim();
      return json(200, {
        id: Number(r[1]),
        conclusion: "failure",
        steps: step ? [{ name: step, conclusion: "failure", number: 2 }] : [],
      });
    }
    if (req.method === "GET" && (r = /^\/actions\/jobs\/(\d+)\/logs$/.exec(rest))) {
      if (!logs.has(r[1])) return json(404, { message: "Not Found" });
      res.writeHead(302, { location: `http://${req.headers.host}/blob/${r[1]}.log` });
      return res.end();
    }
    if (req.method === "GET" && (r = /^\/commits\/([0-9a-f]{40})\/pulls$/.exec(rest))) {
      return json(
        200,
        (pulls.get(`${repo}@${r[1]}`) ?? []).map((pr) => ({
          number: pr.number,
          state: "open",
          head: { sha: r[1], ref: pr.headRef, repo: { full_name: repo } },
          base: { ref: "main", repo: { full_name: repo } },
        })),
      );
    }
    if (req.method === "GET" && rest === "/pulls") {
      const head = url.searchParams.get("head") ?? "";
      const number = openByHead.get(`${repo}#${head.replace(/^[^:]+:/, "")}`);
      return json(200, number ? [{ number, html_url: `https://ghe.example.invalid/${repo}/pull/${number}` }] : []);
    }
    if (req.method === "POST" && rest === "/pulls") {
      const head = String(body?.head ?? "");
      const key = `${repo}#${head}`;
      if (openByHead.has(key)) {
        state.refused.push({ repo, head, why: "a pull request already exists for this head" });
        return json(422, {
          message: "Validation Failed",
          errors: [
            {
              resource: "PullRequest",
              code: "custom",
              message: `A pull request already exists for ${repo.split("/")[0]}:${head}.`,
            },
          ],
        });
      }
      const headCommit = branchCommit(repo, head);
      if (!headCommit) {
        state.refused.push({ repo, head, why: "the head branch does not exist" });
        return json(422, {
          message: "Validation Failed",
          errors: [{ resource: "PullRequest", field: "head", code: "invalid" }],
        });
      }
      const number = nextNumber.get(repo) ?? 100;
      nextNumber.set(repo, number + 1);
      openByHead.set(key, number);
      state.created.push({ repo, number, head, base: body?.base, title: body?.title, headCommit, at: Date.now() });
      return json(201, {
        number,
        html_url: `https://ghe.example.invalid/${repo}/pull/${number}`,
        head: { ref: head },
        base: { ref: body?.base },
      });
    }
    if (req.method === "PATCH" && (r = /^\/pulls\/(\d+)$/.exec(rest))) {
      state.updated.push({ repo, number: Number(r[1]) });
      return json(200, { number: Number(r[1]) });
    }
    if (req.method === "GET" && (r = /^\/pulls\/(\d+)$/.exec(rest))) {
      const pr = humanPull(repo, Number(r[1]));
      if (!pr) return json(404, { message: "Not Found" });
      return json(200, {
        number: pr.number,
        state: "open",
        merged: false,
        merged_at: null,
        user: { login: "dev", type: "User" },
        head: { sha: pr.sha, ref: pr.headRef, repo: { full_name: repo } },
        base: { ref: "main", repo: { full_name: repo } },
      });
    }
    if (req.method === "POST" && rest === "/check-runs") {
      const id = nextId++;
      state.checkRuns.set(id, {
        repo,
        sha: body?.head_sha,
        name: body?.name,
        conclusion: body?.conclusion,
        title: body?.output?.title,
        updates: 0,
      });
      return json(201, { id });
    }
    if (req.method === "PATCH" && (r = /^\/check-runs\/(\d+)$/.exec(rest))) {
      const run = state.checkRuns.get(Number(r[1]));
      if (!run || run.repo !== repo) return json(404, { message: "Not Found" });
      run.updates++;
      if (body?.output?.title) run.title = body.output.title;
      return json(200, { id: Number(r[1]) });
    }
    if (req.method === "GET" && (r = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const issue = Number(r[1]);
      const list = [...state.comments.entries()]
        .filter(([, c]) => c.repo === repo && c.issue === issue)
        .map(([id, c]) => ({
          id,
          body: c.body,
          user: { login: "sentinel[bot]", type: "Bot" },
          performed_via_github_app: { id: appId },
        }));
      return json(200, list);
    }
    if (req.method === "POST" && (r = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const id = nextId++;
      state.comments.set(id, { repo, issue: Number(r[1]), body: String(body?.body ?? ""), updates: 0 });
      return json(201, { id, html_url: `https://ghe.example.invalid/${repo}/pull/${r[1]}#issuecomment-${id}` });
    }
    if (req.method === "PATCH" && (r = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
      const c = state.comments.get(Number(r[1]));
      if (!c || c.repo !== repo) return json(404, { message: "Not Found" });
      c.body = String(body?.body ?? "");
      c.updates++;
      return json(200, { id: Number(r[1]) });
    }
    return unknown();

    function unknown() {
      state.unknown.push(`${req.method} ${p}`);
      json(404, { message: `the faults bench's GitHub stand-in has no ${req.method} ${p}` });
    }
  });
  server.keepAliveTimeout = 65_000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: server.address().port,
    state,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}
