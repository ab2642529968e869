import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { verify } from "@octokit/webhooks-methods";
import type { Logger } from "pino";
import { forgeRegistry } from "../forge/index.js";
import type { Metrics } from "../metrics/index.js";
import type { BodyBudget } from "./body-budget.js";
import { BodyNoRoomError, BodyReadError, BodyTooSlowError, RequestAbortedError } from "./body-errors.js";
import { setBodyPace } from "./body-pace.js";
import { readBody } from "./read-body.js";
import { refuseBody, refuseTooLarge } from "./refuse-body.js";
import { resolveServerLimits, type ServerLimitOptions, type ServerLimits } from "./server-limits.js";

export { DEFAULT_BODY_BUDGET, MAX_GITHUB_BODY } from "./server-limits.js";

export type Middleware = (req: IncomingMessage, res: ServerResponse, next?: (err?: Error) => void) => unknown;

/** The limits on what clients may make the server hold (body budget, body pace, timeouts) are in ServerLimitOptions. */
export interface HttpServerDeps extends ServerLimitOptions {
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
  /** Each webhook delivery refused (bad signature or token, too large, too slow, malformed…), for the audit ledger. */
  readonly onRefused?: (r: { forge: string; reason: string; status: number; delivery: string | null }) => void;
}

const BUDGETS = new WeakMap<Server, BodyBudget>();

/** The budget of unverified body bytes a server built here holds (for tests and a metrics gauge). */
export function bodyBudgetOf(server: Server): BodyBudget | undefined {
  return BUDGETS.get(server);
}

/** The HTTP surface: health and readiness, a status page, and the forge webhook routes. */
export function createHttpServer(deps: HttpServerDeps): Server {
  const limits = resolveServerLimits(deps);
  // Node checks headers and request timeouts at this interval (30 s by default, too coarse for them).
  const server = createServer({ connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs) }, (req, res) => {
    if (deps.metrics || deps.onRefused) observeWebhook(req, res, deps.metrics, deps.onRefused);
    setBodyPace(req, limits.pace);
    handle(req, res, deps, limits).catch((error: unknown) => {
      // A client that hung up mid-body is not a server failure, and there is no one to answer.
      if (error instanceof RequestAbortedError)
        return void deps.logger.debug({ url: req.url }, "client closed the connection mid-request");
      // A route that let a refused body through (too slow, too large) still answers it properly.
      if (error instanceof BodyReadError) return refuseBody(req, res, error);
      deps.logger.error({ err: error, url: req.url }, "request failed");
      if (!res.headersSent) send(res, 500, { error: "internal error" });
      else res.end();
    });
  });
  BUDGETS.set(server, limits.budget);
  // Idle keep-alive connections outlive the proxies' in front of us (load balancers keep theirs
  // 60 s): a server that closes first races the client's next request on that socket, which
  // then fails with ECONNRESET and a delivery GitHub will not retry on its own.
  server.keepAliveTimeout = 65_000;
  // Headers and the whole request are timed from a request's first byte, not from the end of the
  // previous one (Node 18+), so these may be shorter than keepAliveTimeout without cutting idle
  // keep-alive connections (test/server/slow-clients.test.ts holds Node to that). A slowloris
  // trickling headers is answered 408 and closed after headersTimeout; requestTimeout is the
  // backstop for bodies that no route reads through readBody (Slack's, Probot's own).
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  return server;
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  deps: HttpServerDeps,
  limits: ServerLimits,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (req.method === "GET" && url.pathname === "/healthz")
    return send(res, 200, { status: "ok", version: deps.version });
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
  if (req.method === "GET" && url.pathname === "/")
    return send(res, 200, { name: "sentinel", version: deps.version, mode: deps.mode });
  if (url.pathname.startsWith("/api/github/")) {
    if (!deps.github)
      return send(res, 503, { error: "GitHub App is not configured: set APP_ID, PRIVATE_KEY and WEBHOOK_SECRET." });
    if (req.method === "POST" && deps.githubWebhookSecret) {
      // Verified here, before Probot, so that a missing or wrong signature is a 401 (Probot
      // answers 400) and an oversized body is refused without buffering it.
      const signature = req.headers["x-hub-signature-256"];
      if (typeof signature !== "string")
        return refuse(req, res, 401, "missing X-Hub-Signature-256: set the webhook secret on the GitHub App");
      const declared = Number(req.headers["content-length"] ?? NaN);
      if (Number.isFinite(declared) && declared > limits.maxGithubBody)
        return refuseTooLarge(req, res, limits.maxGithubBody);
      const account = limits.budget.open(limits.clientKey(req));
      // Held until the answer is out: the body's text lives on through the handler.
      res.once("close", account.release);
      let body: Buffer;
      try {
        body = await readBody(req, limits.maxGithubBody, { budget: { account, waitMs: limits.budgetWaitMs } });
      } catch (error) {
        if (!(error instanceof BodyReadError)) throw error;
        logRefusedBody(deps.logger, req, error, account.client, limits.budget);
        return refuseBody(req, res, error);
      }
      const text = body.toString("utf8");
      if (
        !(await verify(deps.githubWebhookSecret, text, signature).catch(
          () => false /* a malformed signature does not match */,
        ))
      )
        return send(res, 401, { error: "signature does not match the webhook secret" });
      // Sentinel's app takes a verified body from here without checking it again (verifiedGithubBody);
      // Probot's own middleware, for anything else, reads a string body instead of the consumed stream.
      (req as IncomingMessage & { body?: string }).body = text;
      (req as VerifiedRequest)[VERIFIED_BODY] = text;
    }
    await deps.github(req, res, () => send(res, 404, { error: "not found" }));
    return;
  }
  if (url.pathname.startsWith("/api/slack/")) {
    if (!deps.slack)
      return refuse(req, res, 503, "Slack is not configured: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN.");
    await deps.slack(req, res);
    return;
  }
  if (url.pathname === "/dashboard" || url.pathname.startsWith("/dashboard/")) {
    if (!deps.dashboard)
      return send(res, 404, { error: "the dashboard is off: set SENTINEL_DASHBOARD_TOKEN to turn it on" });
    await deps.dashboard(req, res, () => send(res, 404, { error: "not found" }));
    return;
  }
  if (url.pathname === "/api/gitlab/webhook") {
    if (!deps.gitlab)
      return send(res, 503, {
        error:
          "GitLab is not configured: set GITLAB_WEBHOOK_SECRET (and GITLAB_TOKEN, GITLAB_URL for self-managed GitLab).",
      });
    await deps.gitlab(req, res);
    return;
  }
  send(res, 404, { error: "not found" });
}

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
const REJECTION: Readonly<Record<number, string>> = {
  400: "malformed",
  401: "signature",
  403: "scope",
  404: "not-found",
  405: "method",
  408: "slow",
  413: "too-large",
  415: "malformed",
  429: "busy",
  503: "not-configured",
};

/** Times every webhook answer and counts refusals, whichever layer (ours, Probot's) gave them. */
function observeWebhook(
  req: IncomingMessage,
  res: ServerResponse,
  metrics: Metrics | undefined,
  onRefused: HttpServerDeps["onRefused"],
): void {
  const path = req.url ?? "";
  const forge = forgeRegistry.adapters().find((a) => a.webhookPrefix !== null && path.startsWith(a.webhookPrefix))?.id;
  if (!forge) return;
  const end = metrics?.webhookAckSeconds.startTimer({ forge });
  res.once("finish", () => {
    end?.();
    if (res.statusCode < 400) return;
    const reason = REJECTION[res.statusCode] ?? (res.statusCode >= 500 ? "error" : "refused");
    metrics?.webhooksRejected.inc({ forge, reason });
    const id = req.headers["x-github-delivery"] ?? req.headers["idempotency-key"] ?? req.headers["x-gitlab-event-uuid"];
    onRefused?.({ forge, reason, status: res.statusCode, delivery: typeof id === "string" ? id.slice(0, 200) : null });
  });
}

/** Why a GitHub body was refused, for the operator: a client cut for slowness, or a budget that was full. */
function logRefusedBody(
  logger: Logger,
  req: IncomingMessage,
  error: BodyReadError,
  client: string,
  budget: BodyBudget,
): void {
  const delivery = req.headers["x-github-delivery"];
  if (error instanceof BodyNoRoomError)
    return void logger.warn(
      { delivery, client, reason: error.reason, inUse: budget.inUse, clientHeld: budget.heldBy(client) },
      "GitHub delivery refused: too many large bodies being received at once",
    );
  if (error instanceof BodyTooSlowError)
    return void logger.warn(
      { delivery, client, reason: error.reason, received: error.received, elapsedMs: error.elapsedMs },
      "GitHub delivery cut: its body arrived too slowly",
    );
  logger.info({ delivery, client, code: error.code }, "GitHub delivery refused: body too large");
}

function refuse(req: IncomingMessage, res: ServerResponse, status: number, error: string): void {
  req.resume();
  send(res, status, { error });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body) + "\n");
}
