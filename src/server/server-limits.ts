import type { IncomingMessage } from "node:http";
import { BodyBudget } from "./body-budget.js";
import {
  DEFAULT_BODY_DEADLINE_MS,
  DEFAULT_BODY_MIN_RATE,
  DEFAULT_BODY_RATE_GRACE_MS,
  type BodyPace,
} from "./body-pace.js";
import { clientKeyOf, trustedProxyList } from "./client-key.js";
import { InvalidServerOptionError } from "./server-option-error.js";

/** GitHub sends at most 25 MB; anything larger is not a delivery. */
export const MAX_GITHUB_BODY = 25 * 1024 * 1024;
/** Room for four deliveries at GitHub's 25 MB maximum, or thousands of ordinary ones, at once. */
export const DEFAULT_BODY_BUDGET = 4 * 25 * 1024 * 1024;
/** How long a body may wait for room for its next bytes before it is refused; GitHub gives up after 10 s. */
export const DEFAULT_BODY_BUDGET_WAIT_MS = 5000;
/**
 * One client address may hold a quarter of the budget (25 MB of the default 100 MB): one
 * attacker's connections leave three quarters to everyone else, and one maximum-size delivery
 * still fits in a client's share.
 */
export const DEFAULT_BODY_CLIENT_SHARE = 0.25;
/**
 * Headers come in one packet from GitHub, GitLab and any proxy; 20 s is generous for a slow
 * network and stops a client that trickles headers (slowloris) from holding a socket for long.
 */
export const DEFAULT_HEADERS_TIMEOUT_MS = 20_000;
/** How much later than headers plus body deadline Node's own request timeout fires: the body reader's 408 goes first. */
const REQUEST_TIMEOUT_SLACK_MS = 5000;

/** The options of createHttpServer that bound what a client can make the server hold. */
export interface ServerLimitOptions {
  /** Most unverified GitHub body bytes held at once, across requests (default DEFAULT_BODY_BUDGET). */
  readonly bodyBudgetBytes?: number;
  /** How long a body may wait for room in that budget for its next bytes before a 429 (default DEFAULT_BODY_BUDGET_WAIT_MS). */
  readonly bodyBudgetWaitMs?: number;
  /** Fraction of the budget one client may hold at once, in (0, 1] (default DEFAULT_BODY_CLIENT_SHARE); never less than one largest delivery. */
  readonly bodyClientShare?: number;
  /** Largest GitHub delivery body accepted (default MAX_GITHUB_BODY, GitHub's own cap); 413 above it. */
  readonly maxGithubBodyBytes?: number;
  /** Any request body must be complete this long after reading began (default DEFAULT_BODY_DEADLINE_MS); 408 otherwise. */
  readonly bodyDeadlineMs?: number;
  /** Minimum average rate of a request body once its grace is over, bytes/s (default DEFAULT_BODY_MIN_RATE); 0 checks only the deadline. */
  readonly bodyMinBytesPerSecond?: number;
  /** Head start before the minimum rate applies (default DEFAULT_BODY_RATE_GRACE_MS). */
  readonly bodyRateGraceMs?: number;
  /** How long a client may take to send a request's headers (default DEFAULT_HEADERS_TIMEOUT_MS). */
  readonly headersTimeoutMs?: number;
  /**
   * Proxies in front of the server (addresses or CIDR ranges, e.g. "10.0.0.0/8") whose
   * X-Forwarded-For names the client for the per-client budget share. None by default: the header
   * is then ignored, since anyone can write it. Behind a proxy without this, every client shares
   * the proxy's address and so one share.
   */
  readonly trustedProxies?: readonly string[];
}

export interface ServerLimits {
  readonly budget: BodyBudget;
  readonly budgetWaitMs: number;
  readonly maxGithubBody: number;
  readonly pace: BodyPace;
  readonly headersTimeoutMs: number;
  /** Node's server.requestTimeout: the backstop for bodies no route reads through readBody. */
  readonly requestTimeoutMs: number;
  readonly clientKey: (req: IncomingMessage) => string;
}

/** Checks the options and fills in the defaults; throws InvalidServerOptionError on a bad one. */
export function resolveServerLimits(o: ServerLimitOptions): ServerLimits {
  const maxGithubBody = positive("maxGithubBodyBytes", o.maxGithubBodyBytes ?? MAX_GITHUB_BODY);
  // A budget or share smaller than one delivery would refuse every delivery of that size.
  const budgetBytes = Math.max(positive("bodyBudgetBytes", o.bodyBudgetBytes ?? DEFAULT_BODY_BUDGET), maxGithubBody);
  const share = o.bodyClientShare ?? DEFAULT_BODY_CLIENT_SHARE;
  if (!(share > 0 && share <= 1))
    throw new InvalidServerOptionError(
      "bodyClientShare",
      `must be a fraction of the budget above 0 and at most 1, not ${share}`,
    );
  const pace: BodyPace = {
    deadlineMs: positive("bodyDeadlineMs", o.bodyDeadlineMs ?? DEFAULT_BODY_DEADLINE_MS),
    minBytesPerSecond: atLeastZero("bodyMinBytesPerSecond", o.bodyMinBytesPerSecond ?? DEFAULT_BODY_MIN_RATE),
    graceMs: atLeastZero("bodyRateGraceMs", o.bodyRateGraceMs ?? DEFAULT_BODY_RATE_GRACE_MS),
  };
  const headersTimeoutMs = positive("headersTimeoutMs", o.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS);
  const trusted = o.trustedProxies && o.trustedProxies.length > 0 ? trustedProxyList(o.trustedProxies) : null;
  return {
    budget: new BodyBudget(budgetBytes, Math.max(Math.floor(budgetBytes * share), maxGithubBody)),
    budgetWaitMs: positive("bodyBudgetWaitMs", o.bodyBudgetWaitMs ?? DEFAULT_BODY_BUDGET_WAIT_MS),
    maxGithubBody,
    pace,
    headersTimeoutMs,
    requestTimeoutMs: headersTimeoutMs + pace.deadlineMs + REQUEST_TIMEOUT_SLACK_MS,
    clientKey: (req) => clientKeyOf(req.socket.remoteAddress, req.headers["x-forwarded-for"], trusted),
  };
}

function positive(option: string, value: number): number {
  if (Number.isFinite(value) && value > 0) return value;
  throw new InvalidServerOptionError(option, `must be a number above 0, not ${value}`);
}

function atLeastZero(option: string, value: number): number {
  if (Number.isFinite(value) && value >= 0) return value;
  throw new InvalidServerOptionError(option, `must be a number of at least 0, not ${value}`);
}
