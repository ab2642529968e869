import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { verify } from "@octokit/webhooks-methods";
import type { Logger } from "pino";
import type { Metrics } from "../metrics/index.js";
import { BodyBudget, BodyBudgetTimeoutError } from "./body-budget.js";
import { BodyTooLargeError, readBody, refuseTooLarge, RequestAbortedError } from "./read-body.js";

export type Middleware = (req: IncomingMessage, res: ServerResponse, next?: (err?: Error) => void) => unknown;

export interface HttpServerDeps {
  readonly logger: Logger;
  readonly version: string;
  /** Probot's webhook middleware, when a GitHub App is configured. */
  readonly github?: Middleware;
  /** The GitHub App's webhook secret: signatures are checked before Probot sees a request. */
  readonly githubWebhookSecret?: string;
  /** The GitLab hook endpoint, when a GitLab webhook secret is configured. */
  readonly gitlab?: Middleware;
  /** Slack's events and interactivity endpoints (Bolt verifies their signatures), when Slack is configured. */
  readonly slack?: Middleware;
  /** The operators' dashboard (read-only, behind its own token), under /dashboard. */
  readonly dashboard?: Middleware;
  /** Prometheus instruments; served at /metrics, and webhook answers are counted and timed. */
  readonly metrics?: Metrics;
  /** Readiness checks of the parts in use (queue, database); all must pass for /readyz. */
  readonly readiness?: ReadonlyArray<{ name: string; check: () => Promise<void> }>;
  readonly mode: Readonly<Record<string, string>>;
  /** Most unverified GitHub body bytes held at once, across requests (default DEFAULT_BODY_BUDGET). */
  readonly bodyBudgetBytes?: number;
  /** How long a delivery may wait for room in that budget before a 429 (default 5 s). */
  readonly bodyBudgetWaitMs?: number;
}

/** Room for four deliveries at GitHub's 25 MB maximum, or thousands of ordinary ones, at once. */
export const DEFAULT_BODY_BUDGET = 4 * 25 * 1024 * 1024;
/** How long a delivery may wait for room before it is refused; GitHub gives up after 10 s. */
const DEFAULT_BODY_BUDGET_WAIT_MS = 5000;

/** The HTTP surface: health and readiness, a status page, and the forge webhook routes. */
export function createHttpServer(deps: HttpServerDeps): Server {
  const budget = new BodyBudget(Math.max(deps.bodyBudgetBytes ?? DEFAULT_BODY_BUDGET, MAX_GITHUB_BODY));
  const server = createServer((req, res) => {
    if (deps.metrics) observeWebhook(req, res, deps.metrics);
    handle(req, res, deps, budget).catch((error: unknown) => {
      // A client that hung up mid-body is not a server failure, and there is no one to answer.
      if (error instanceof RequestAbortedError) return void deps.logger.debug({ url: req.url }, "client closed the connection mid-request");
      deps.logger.error({ err: error, url: req.url }, "request failed");
      if (!res.headersSent) send(res, 500, { error: "internal error" });
      else res.end();
    });
  });
  // Idle keep-alive connections outlive the proxies' in front of us (load balancers keep theirs
  // 60 s): a server that closes first races the client's next request on that socket, which
  // then fails with ECONNRESET and a delivery GitHub will not retry on its own.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: HttpServerDeps, budget: BodyBudget): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (req.method === "GET" && url.pathname === "/healthz") return send(res, 200, { status: "ok", version: deps.version });
  if (req.method === "GET" && url.pathname === "/readyz") {
    const failures: Record<string, string> = {};
    for (const r of deps.readiness ?? []) {
      try {
        await r.check();
      } catch (error) {
        failures[r.name] = error instanceof Error ? error.message : String(error);
      }
    }
    const ready = Object.keys(failures).length === 0;
    return send(res, ready ? 200 : 503, { status: ready ? "ready" : "not ready", failures });
  }
  if (req.method === "GET" && url.pathname === "/metrics" && deps.metrics) {
    res.writeHead(200, { "content-type": deps.metrics.registry.contentType });
    res.end(await deps.metrics.registry.metrics());
    return;
  }
  if (req.method === "GET" && url.pathname === "/") return send(res, 200, { name: "sentinel", version: deps.version, mode: deps.mode });
  if (url.pathname.startsWith("/api/github/")) {
    if (!deps.github) return send(res, 503, { error: "GitHub App is not configured: set APP_ID, PRIVATE_KEY and WEBHOOK_SECRET." });
    if (req.method === "POST" && deps.githubWebhookSecret) {
      // Verified here, before Probot, so that a missing or wrong signature is a 401 (Probot
      // answers 400) and an oversized body is refused without buffering it.
      const signature = req.headers["x-hub-signature-256"];
      if (typeof signature !== "string") return refuse(req, res, 401, "missing X-Hub-Signature-256: set the webhook secret on the GitHub App");
      const declared = Number(req.headers["content-length"] ?? NaN);
      if (Number.isFinite(declared) && declared > MAX_GITHUB_BODY) return refuseTooLarge(req, res, MAX_GITHUB_BODY);
      let release: () => void;
      try {
        release = await budget.reserve(Number.isFinite(declared) && declared >= 0 ? declared : MAX_GITHUB_BODY, deps.bodyBudgetWaitMs ?? DEFAULT_BODY_BUDGET_WAIT_MS);
      } catch (error) {
        if (!(error instanceof BodyBudgetTimeoutError)) throw error;
        deps.logger.warn({ delivery: req.headers["x-github-delivery"], inUse: budget.inUse }, "GitHub delivery refused: too many large bodies being received at once");
        res.setHeader("retry-after", "5");
        return refuse(req, res, 429, "too many large request bodies are being received at once; retry shortly");
      }
      // Held until the answer is out: the body's text lives on through the handler.
      res.once("close", release);
      let body: Buffer;
      try {
        body = await readBody(req, MAX_GITHUB_BODY);
      } catch (error) {
        if (error instanceof BodyTooLargeError) return refuseTooLarge(req, res, MAX_GITHUB_BODY);
        throw error;
      }
      const text = body.toString("utf8");
      if (!(await verify(deps.githubWebhookSecret, text, signature).catch(() => false))) return send(res, 401, { error: "signature does not match the webhook secret" });
      // Sentinel's app takes a verified body from here without checking it again (verifiedGithubBody);
      // Probot's own middleware, for anything else, reads a string body instead of the consumed stream.
      (req as IncomingMessage & { body?: string }).body = text;
      (req as VerifiedRequest)[VERIFIED_BODY] = text;
    }
    await deps.github(req, res, () => send(res, 404, { error: "not found" }));
    return;
  }
  if (url.pathname.startsWith("/api/slack/")) {
    if (!deps.slack) return refuse(req, res, 503, "Slack is not configured: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN.");
    await deps.slack(req, res);
    return;
  }
  if (url.pathname === "/dashboard" || url.pathname.startsWith("/dashboard/")) {
    if (!deps.dashboard) return send(res, 404, { error: "the dashboard is off: set SENTINEL_DASHBOARD_TOKEN to turn it on" });
    await deps.dashboard(req, res, () => send(res, 404, { error: "not found" }));
    return;
  }
  if (url.pathname === "/api/gitlab/webhook") {
    if (!deps.gitlab) return send(res, 503, { error: "GitLab is not configured: set GITLAB_WEBHOOK_SECRET (and GITLAB_TOKEN, GITLAB_URL for self-managed GitLab)." });
    await deps.gitlab(req, res);
    return;
  }
  send(res, 404, { error: "not found" });
}

export const MAX_GITHUB_BODY = 25 * 1024 * 1024;

const VERIFIED_BODY = Symbol("sentinel.verifiedGithubBody");
type VerifiedRequest = IncomingMessage & { [VERIFIED_BODY]?: string };

/**
 * The body of a GitHub delivery whose signature this server has verified, or undefined when it
 * has not (no webhook secret given to the server, or not a POST it checked). Set only after the
 * HMAC matched, and on a symbol no header or body can reach.
 */
export function verifiedGithubBody(req: IncomingMessage): string | undefined {
  return (req as VerifiedRequest)[VERIFIED_BODY];
}

/** Why a webhook answer with this status was a refusal, for sentinel_webhooks_rejected_total. */
const REJECTION: Readonly<Record<number, string>> = { 400: "malformed", 401: "signature", 404: "not-found", 405: "method", 413: "too-large", 415: "malformed", 429: "busy", 503: "not-configured" };

/** Times every webhook answer and counts refusals, whichever layer (ours, Probot's) gave them. */
function observeWebhook(req: IncomingMessage, res: ServerResponse, metrics: Metrics): void {
  const path = req.url ?? "";
  const forge = path.startsWith("/api/github/") ? "github" : path.startsWith("/api/gitlab/") ? "gitlab" : null;
  if (!forge) return;
  const end = metrics.webhookAckSeconds.startTimer({ forge });
  res.once("finish", () => {
    end();
    if (res.statusCode >= 400) metrics.webhooksRejected.inc({ forge, reason: REJECTION[res.statusCode] ?? (res.statusCode >= 500 ? "error" : "refused") });
  });
}

function refuse(req: IncomingMessage, res: ServerResponse, status: number, error: string): void {
  req.resume();
  send(res, status, { error });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body) + "\n");
}
