import type { IncomingMessage, ServerResponse } from "node:http";
import { finished } from "node:stream/promises";
import { App, HTTPReceiver, webApi, type AnyMiddlewareArgs } from "@slack/bolt";
import type { Logger } from "pino";
import { boltLogger } from "./bolt-logger.js";
import { describeSlackError, handlePress } from "./handle-press.js";
import { postNotification } from "./post-notification.js";
import type { Slack, SlackDeps, SlackNotification } from "./types.js";
import { SentinelError } from "../core/index.js";

export const SLACK_EVENTS_PATH = "/api/slack/events";
export const SLACK_INTERACTIONS_PATH = "/api/slack/interactions";
/** Slack's payloads are a few KiB; a megabyte is generous and bounds what an unsigned sender can make us buffer. */
export const MAX_SLACK_BODY = 1024 * 1024;

/**
 * A notification that fails should fail within seconds, not the Web API client's default of ten
 * retries in about thirty minutes: a fix run waits for it. Rate-limited calls are refused rather
 * than waited out (Slack may say "retry in a minute") for the same reason.
 */
const RETRY: webApi.RetryOptions = { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 1000 };
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Slack for Sentinel over HTTP: notifications with Block Kit, and Approve/Deny presses handed to
 * `onDecision`. Bolt's HTTPReceiver does the request handling (signature and timestamp check,
 * body limit, url_verification, acknowledging); its request listener is mounted in Sentinel's
 * own server through `middleware` instead of Bolt starting a server of its own.
 */
export function createSlack(deps: SlackDeps): Slack {
  if (!deps.signingSecret || !deps.botToken)
    throw new SentinelError(
      "E_SLACK_CONFIG",
      "createSlack needs a signing secret and a bot token: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN",
    );
  const logger = deps.logger.child({ component: "slack" });
  const bolt = boltLogger(logger, [deps.botToken, deps.signingSecret]);
  const receiver = new HTTPReceiver({
    signingSecret: deps.signingSecret,
    endpoints: [SLACK_EVENTS_PATH, SLACK_INTERACTIONS_PATH],
    logger: bolt,
    // ack() answers Slack at once, and onDecision (a database write, maybe a queue) runs after:
    // Slack gives up on an interaction not answered within 3 seconds.
    processBeforeResponse: false,
    signatureVerification: true,
    bodyLimit: MAX_SLACK_BODY,
  });
  const clientOptions: webApi.WebClientOptions = {
    logger: bolt,
    ...(deps.apiUrl ? { slackApiUrl: deps.apiUrl } : {}),
    retryConfig: RETRY,
    rejectRateLimitedCalls: true,
    timeout: REQUEST_TIMEOUT_MS,
    // The token goes to the Web API base url and nowhere else.
    allowAbsoluteUrls: false,
  };
  const app = new App({
    receiver,
    logger: bolt,
    // A fixed bot token without the auth.test call Bolt makes for `token` at construction, which
    // would reach Slack before Sentinel has even started (and fail unhandled when Slack is down).
    authorize: async () => ({ botToken: deps.botToken }),
    // Sentinel listens to no messages, so there is nothing of its own to ignore nor any conversation state.
    ignoreSelf: false,
    convoStore: false,
    clientOptions: { ...clientOptions },
  });

  // Notifications use a client holding the token (sent as a header); Bolt's app.client has none,
  // since `authorize` supplies the token per request, and a per-call token would go in the body too.
  const web = new webApi.WebClient(deps.botToken, clientOptions);

  const pending = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    pending.add(work);
    // Only the bookkeeping copy is silenced: the caller holds `work` and handles its rejection.
    void work.finally(() => pending.delete(work)).catch(() => {});
    return work;
  };
  let closed = false;

  routeInteractions(app, logger, track, deps.onDecision);

  async function middleware(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname } = new URL(req.url ?? "/", "http://localhost");
    if (req.method !== "POST" || (pathname !== SLACK_EVENTS_PATH && pathname !== SLACK_INTERACTIONS_PATH))
      return refuse(req, res, 404, "not found");
    if (closed) return refuse(req, res, 503, "Slack is shutting down");
    const done = finished(res).catch(() => {}); // a client that goes away is not an error here
    // Bolt answers asynchronously; only its two endpoints get here, so it never defers (throws).
    receiver.requestListener(req, res);
    await done;
    // A body Bolt refused (too large, 413) is left half read: drain it so the connection is usable.
    if (!req.readableEnded) req.resume();
  }

  const notify = (n: SlackNotification) => postNotification({ web, logger, track, isClosed: () => closed }, n);

  return {
    middleware,
    notify,
    async close() {
      closed = true;
      await Promise.allSettled([...pending]);
    },
  };
}

function refuse(req: IncomingMessage, res: ServerResponse, status: number, error: string): void {
  req.resume();
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify({ error }) + "\n");
}

/** Approve/Deny presses go to `handlePress`; every other interaction is acknowledged and dropped. */
function routeInteractions(
  app: App,
  logger: Logger,
  track: <T>(work: Promise<T>) => Promise<T>,
  onDecision: SlackDeps["onDecision"],
): void {
  app.error(async (error) => {
    logger.warn({ slackError: describeSlackError(error) }, "Slack request failed");
  });
  // Shortcuts, slash commands, view submissions and menus are not Sentinel's: acknowledge them so
  // Slack does not show the user an error after 3 seconds. Events are acknowledged by Bolt itself
  // (url_verification by the receiver) and are otherwise ignored.
  app.use(async (args) => {
    const { body, next } = args as AnyMiddlewareArgs & { next: () => Promise<void> };
    const ack = (args as { ack?: () => Promise<void> }).ack;
    if (body.type !== "block_actions") {
      if (ack) await ack();
      return;
    }
    await next();
  });
  app.action({ type: "block_actions" }, async ({ ack, body, client }) => {
    await track(
      (async () => {
        await ack();
        await handlePress(body, client, { logger, onDecision });
      })(),
    );
  });
}
