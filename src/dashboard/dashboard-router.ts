import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { LiveFeed } from "../live/index.js";
import type { JobQueue } from "../queue/index.js";
import { BodyTooLargeError, readBody } from "../server/index.js";
import type { Database, GovernanceStore } from "../store/index.js";
import { DashboardQueries } from "./dashboard-queries.js";
import { html, type SafeHtml } from "./html.js";
import { LiveStreams, type LiveStreamOptions } from "./live-stream.js";
import { LoginThrottle } from "./login-throttle.js";
import { agentsPage, loadAgents } from "./pages/agents-page.js";
import { loginPage } from "./pages/login-page.js";
import { loadOverview, overviewPage } from "./pages/overview-page.js";
import { layout } from "./pages/page-layout.js";
import { loadPullRequests, pullRequestsPage } from "./pages/pull-requests-page.js";
import { loadQueue, queuePage, type InspectableQueue } from "./pages/queue-page.js";
import { isLive, loadRun, runPage } from "./pages/run-page.js";
import { loadRuns, runsPage } from "./pages/runs-page.js";
import { createQueueBoard, QUEUE_BOARD_PATH, type QueueBoard } from "./queue-board.js";
import { redirect, sendHtml, sendJson, wantsHtml } from "./responses.js";
import { QUEUE_BOARD_CSP, setSecurityHeaders } from "./security-headers.js";
import {
  cameOverHttps,
  clearedSessionCookie,
  safeNextPath,
  sameOrigin,
  SessionAuth,
  sessionCookie,
} from "./session-auth.js";
import { staticAsset } from "./static-assets.js";

export interface RouterDeps {
  readonly db: Database;
  readonly gov: GovernanceStore;
  readonly queue: Pick<JobQueue, "kind" | "depth"> & InspectableQueue;
  readonly logger: Logger;
  readonly live: LiveFeed;
  readonly token: string;
  readonly redisUrl?: string | undefined;
  readonly queuePrefix?: string | undefined;
  readonly liveOptions?: LiveStreamOptions | undefined;
  readonly now?: (() => number) | undefined;
}

const MAX_LOGIN_BODY = 8 * 1024;
/** Run ids are `run_<time>_<hex>`; anything much longer is not one. */
const MAX_RUN_ID = 200;

type Auth = "cookie" | "bearer";

/**
 * Routes /dashboard requests. Order matters: method check (read-only), then the public static
 * files and the login/logout forms, then authentication, then the pages. Nothing under
 * /dashboard but the login form and static files is reachable without a session or bearer token.
 */
export class DashboardRouter {
  private readonly auth: SessionAuth;
  private readonly throttle: LoginThrottle;
  private readonly queries: DashboardQueries;
  private readonly streams: LiveStreams;
  private board: Promise<QueueBoard> | null = null;

  constructor(private readonly deps: RouterDeps) {
    this.auth = new SessionAuth(deps.token, deps.now);
    this.throttle = new LoginThrottle(10, 5 * 60 * 1000, deps.now);
    this.queries = new DashboardQueries(deps);
    this.streams = new LiveStreams(deps.live, deps.logger, deps.liveOptions);
    if (deps.token.length < 32)
      deps.logger.warn(
        { length: deps.token.length },
        "SENTINEL_DASHBOARD_TOKEN is short; use at least 32 random characters (openssl rand -hex 32)",
      );
  }

  async handle(req: IncomingMessage, res: ServerResponse, next: (err?: Error) => void): Promise<void> {
    const url = new URL(req.url ?? "/", "http://dashboard.invalid");
    const path =
      url.pathname.length > "/dashboard".length && url.pathname.endsWith("/")
        ? url.pathname.slice(0, -1)
        : url.pathname;
    const method = req.method ?? "GET";
    const isQueueBoard = path === QUEUE_BOARD_PATH || path.startsWith(`${QUEUE_BOARD_PATH}/`);
    setSecurityHeaders(res, isQueueBoard && this.deps.redisUrl ? QUEUE_BOARD_CSP : undefined);

    const formPost = method === "POST" && (path === "/dashboard/login" || path === "/dashboard/logout");
    if (method !== "GET" && method !== "HEAD" && !formPost) {
      req.resume();
      return sendJson(
        res,
        405,
        { error: "the dashboard is read-only: only GET (and POST to /dashboard/login, /dashboard/logout) is allowed" },
        { allow: "GET, HEAD" },
      );
    }

    const asset = staticAsset(path);
    if (asset) {
      res.setHeader("Cache-Control", "public, max-age=31536000, immutable");
      res.writeHead(200, { "content-type": asset.contentType, "content-length": String(asset.body.length) });
      return void res.end(asset.body);
    }
    if (formPost && path === "/dashboard/login") return this.login(req, res);
    if (formPost && path === "/dashboard/logout") {
      req.resume();
      if (!sameOrigin(req)) return sendJson(res, 403, { error: "cross-site request refused" });
      return redirect(res, "/dashboard", { "set-cookie": clearedSessionCookie(cameOverHttps(req)) });
    }

    const auth = this.auth.authenticate(req);
    if (path === "/dashboard/login") {
      return auth
        ? redirect(res, safeNextPath(url.searchParams.get("next")))
        : sendHtml(res, 200, loginPage({ next: safeNextPath(url.searchParams.get("next")) }));
    }
    if (!auth) {
      if (path === "/dashboard" && wantsHtml(req.headers.accept))
        return sendHtml(res, 200, loginPage({ next: "/dashboard" }));
      if (wantsHtml(req.headers.accept))
        return redirect(res, `/dashboard/login?next=${encodeURIComponent(path + url.search)}`);
      return sendJson(
        res,
        401,
        { error: "log in at /dashboard, or send Authorization: Bearer <SENTINEL_DASHBOARD_TOKEN>" },
        { "www-authenticate": 'Bearer realm="sentinel-dashboard"' },
      );
    }
    await this.page(req, res, path, url, auth, next);
  }

  /** Closes the live streams and the queue board's Redis connection. */
  async close(): Promise<void> {
    this.streams.closeAll();
    const board = this.board;
    this.board = null;
    // A board that failed to start was logged then; closing one is best effort at shutdown.
    if (board) await board.then((b) => b.close()).catch(() => {});
  }

  private async page(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    url: URL,
    auth: Auth,
    next: (err?: Error) => void,
  ): Promise<void> {
    const loggedIn = auth === "cookie";
    const repo = param(url, "repo");
    const api = path.startsWith("/dashboard/api/");
    const route = api ? "/dashboard" + path.slice("/dashboard/api".length) : path;
    const respond = <T>(data: T, render: (d: T) => SafeHtml) =>
      api ? sendJson(res, 200, data) : sendHtml(res, 200, render(data));

    if (route === "/dashboard" || route === "/dashboard/overview") {
      return respond(await loadOverview(this.queries, repo, this.deps.queue, this.now()), (d) =>
        overviewPage(d, loggedIn),
      );
    }
    if (route === "/dashboard/runs") {
      return respond(await loadRuns(this.queries, { repo, status: param(url, "status") }), (d) =>
        runsPage(d, loggedIn, this.now()),
      );
    }
    const runMatch = /^\/dashboard\/runs\/([^/]+)(\/live)?$/.exec(route);
    if (runMatch) {
      const runId = decode(runMatch[1] as string);
      if (runId === null || runId.length > MAX_RUN_ID) return this.notFound(req, res, "no such run");
      if (runMatch[2]) {
        if (api) return this.notFound(req, res, "not found");
        const run = await this.queries.run(runId);
        if (!run) return this.notFound(req, res, "no such run");
        if (req.method === "HEAD") {
          res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
          return void res.end();
        }
        this.streams.handle(req, res, runId, isLive(run), async () => {
          const now = await this.queries.run(runId);
          return now !== null && isLive(now);
        });
        return;
      }
      const data = await loadRun(this.queries, runId, this.now());
      if (!data) return this.notFound(req, res, `no run ${runId}`);
      return respond(data, (d) => runPage(d, loggedIn));
    }
    if (route === "/dashboard/pull-requests")
      return respond(await loadPullRequests(this.queries), (d) => pullRequestsPage(d, loggedIn));
    if (route === "/dashboard/agents") return respond(await loadAgents(this.queries), (d) => agentsPage(d, loggedIn));
    if (route === "/dashboard/queue" && api) return sendJson(res, 200, await loadQueue(this.deps.queue));
    if (!api && (route === QUEUE_BOARD_PATH || route.startsWith(`${QUEUE_BOARD_PATH}/`))) {
      if (!this.deps.redisUrl) {
        if (route !== QUEUE_BOARD_PATH) return this.notFound(req, res, "not found");
        return sendHtml(res, 200, queuePage(await loadQueue(this.deps.queue), loggedIn));
      }
      const board = await this.queueBoard();
      // Bull Board 404s unknown paths itself; an error inside it comes back through `next`.
      return board.handle(req, res, (err) =>
        err ? next(err instanceof Error ? err : new Error(String(err))) : this.notFound(req, res, "not found"),
      );
    }
    return this.notFound(req, res, "not found");
  }

  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const client = req.socket.remoteAddress ?? "unknown";
    if (!sameOrigin(req)) {
      req.resume();
      return sendJson(res, 403, { error: "cross-site login refused" });
    }
    const wait = this.throttle.retryAfterMs(client);
    if (wait > 0) {
      req.resume();
      const seconds = String(Math.ceil(wait / 1000));
      return sendHtml(
        res,
        429,
        loginPage({ next: "/dashboard", error: `Too many wrong tokens from this address; try again in ${seconds} s.` }),
        { "retry-after": seconds },
      );
    }
    let body: Buffer;
    try {
      body = await readBody(req, MAX_LOGIN_BODY);
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        return sendJson(res, 413, { error: `login form larger than ${MAX_LOGIN_BODY} bytes` });
      throw error;
    }
    const form = new URLSearchParams(body.toString("utf8"));
    const next = safeNextPath(form.get("next"));
    const token = form.get("token") ?? "";
    if (!this.auth.tokenMatches(token)) {
      this.throttle.fail(client);
      this.deps.logger.warn({ client }, "dashboard login refused: wrong token");
      return sendHtml(res, 401, loginPage({ next, error: "That is not the dashboard token." }));
    }
    this.throttle.succeed(client);
    this.deps.logger.info({ client }, "dashboard login");
    return redirect(res, next, { "set-cookie": sessionCookie(this.auth.issue(), cameOverHttps(req)) });
  }

  private notFound(req: IncomingMessage, res: ServerResponse, message: string): void {
    if (wantsHtml(req.headers.accept))
      return sendHtml(
        res,
        404,
        layout(
          { title: "Not found", active: "overview", loggedIn: true },
          html`<h1>Not found</h1>
            <p>${message}</p>
            <p><a href="/dashboard">Back to the dashboard</a></p>`,
        ),
      );
    return sendJson(res, 404, { error: message });
  }

  private queueBoard(): Promise<QueueBoard> {
    this.board ??= createQueueBoard({
      redisUrl: this.deps.redisUrl as string,
      prefix: this.deps.queuePrefix,
      logger: this.deps.logger,
    }).catch((error: unknown) => {
      // Not cached: the next request tries again (a missing module is a deployment error, logged loudly).
      this.board = null;
      this.deps.logger.error({ err: error }, "could not start Bull Board for the queue page");
      throw error;
    });
    return this.board;
  }

  private now(): Date {
    return new Date(this.deps.now ? this.deps.now() : Date.now());
  }
}

/** A short query parameter, or null (empty or absurdly long values are ignored). */
function param(url: URL, name: string): string | null {
  const v = url.searchParams.get(name)?.trim();
  return v && v.length <= 200 ? v : null;
}

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed %-escape names nothing: the page answers not found.
    return null;
  }
}
