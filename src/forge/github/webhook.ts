import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { ApplicationFunctionOptions, Probot } from "probot";
import { SentinelError } from "../../core/index.js";
import type { DeliveryRecord } from "../../store/index.js";
import { GITHUB_EVENTS } from "./read-event.js";

/**
 * What the GitHub route needs from the server and from ingest, passed in so that forge/ imports
 * neither (both import forge/), as for GitLab's route.
 */
export interface GithubWebhookIo {
  /** Records and queues one delivery, or says why its payload cannot be stored. */
  readonly ingest: (delivery: DeliveryRecord) => Promise<"recorded" | "duplicate" | { readonly unstorable: string }>;
  /** The body of a request Sentinel's server has verified the signature of; undefined otherwise. */
  readonly verifiedBody: (req: IncomingMessage) => string | undefined;
}

/**
 * The Probot application: each subscribed event is recorded and queued, nothing more, so GitHub
 * gets its answer in milliseconds. The signature has been verified before this runs: by Sentinel's
 * server (which then hands the delivery over itself, see receiveVerified), or else by Probot.
 */
export function createGithubWebhookApp(deps: { readonly logger: Logger }, io: GithubWebhookIo) {
  return (app: Probot, options?: ApplicationFunctionOptions): void => {
    app.on([...GITHUB_EVENTS], async (context) => {
      const got = await io.ingest(githubDelivery(context.id, context.name, context.payload as GithubPayload));
      if (typeof got === "object")
        throw new SentinelError("E_INPUT_UNREADABLE", `the GitHub payload cannot be stored: ${got.unstorable}`);
    });
    options?.addHandler(receiveVerified(app, io, deps));
  };
}

type GithubPayload = { action?: string; installation?: { id: number }; repository?: { full_name?: string } };

function githubDelivery(id: string, name: string, payload: GithubPayload, payloadText?: string): DeliveryRecord {
  return {
    deliveryKey: `github:${id}`,
    forge: "github",
    event: name,
    action: payload.action ?? null,
    installationId: payload.installation ? String(payload.installation.id) : null,
    repo: payload.repository?.full_name ?? null,
    payload,
    ...(payloadText !== undefined ? { payloadText } : {}),
  };
}

/** Whether Sentinel subscribes to this event (GITHUB_EVENTS names an event, or an event and action). */
const SUBSCRIBED = new Set<string>(GITHUB_EVENTS);
function subscribed(name: string, action: unknown): boolean {
  return SUBSCRIBED.has(name) || (typeof action === "string" && SUBSCRIBED.has(`${name}.${action}`));
}

/** Probot's test for a JSON Content-Type (@octokit/webhooks' middleware). */
const JSON_CONTENT_TYPE = /^\s*(application\/json)\s*(?:;|$)/u;
const REQUIRED_HEADERS = ["x-github-event", "x-hub-signature-256", "x-github-delivery"] as const;
/** GitHub's event names (`workflow_job`, `check_run`…); anything else is not from GitHub. */
const EVENT_NAME = /^[a-z][a-z0-9_]{0,99}$/;
/** GitHub's delivery ids are GUIDs; a key this long is not one (and would strain the store's index). */
const MAX_DELIVERY_ID = 200;

/**
 * A request handler that runs before Probot's webhook middleware: a delivery Sentinel's server has
 * already verified is parsed once and recorded, instead of Probot checking the HMAC and parsing
 * the JSON a second time and building a context for it. It answers as Probot's middleware does
 * (415 for a non-JSON Content-Type, 400 for missing headers or a body that is not JSON, 200 "ok"
 * once recorded, 500 when that failed), except that it has no 9 s "still processing" 202: a 2xx
 * means the delivery was recorded. Anything it does not take (unverified, another path) is left to
 * Probot's middleware, whose handler records it the same way.
 */
function receiveVerified(app: Probot, io: GithubWebhookIo, deps: { readonly logger: Logger }) {
  const webhookPath = withoutTrailingSlashes(app.webhookPath);
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const text = io.verifiedBody(req);
    if (
      text === undefined ||
      req.method !== "POST" ||
      withoutTrailingSlashes(new URL(req.url ?? "/", "http://localhost").pathname) !== webhookPath
    )
      return false;
    const contentType = req.headers["content-type"];
    if (typeof contentType !== "string" || !JSON_CONTENT_TYPE.test(contentType))
      return answer(res, 415, { error: 'Unsupported "Content-Type" header value. Must be "application/json"' });
    const missing = REQUIRED_HEADERS.filter((h) => typeof req.headers[h] !== "string" || req.headers[h] === "");
    if (missing.length > 0) return answer(res, 400, { error: `Required headers missing: ${missing.join(", ")}` });
    const id = req.headers["x-github-delivery"] as string;
    const name = req.headers["x-github-event"] as string;
    if (id.length > MAX_DELIVERY_ID)
      return answer(res, 400, {
        error: `X-GitHub-Delivery is longer than ${MAX_DELIVERY_ID} characters: not a GitHub delivery id`,
      });
    // Event names index the router's table of handlers: a name like "constructor" must not reach it.
    if (!EVENT_NAME.test(name) || name in Object.prototype)
      return answer(res, 400, { error: "X-GitHub-Event is not a GitHub event name" });
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      return answer(res, 400, { error: "Invalid JSON" }); // the sender is told; nothing to log
    }
    if (typeof payload !== "object" || payload === null || Array.isArray(payload))
      return answer(res, 400, { error: "body is not a JSON object" });
    // Straight to the ingester: Probot's router would first build an installation Octokit for the
    // event's context (a quarter of the server's CPU per delivery under load), which recording a
    // delivery never uses. Events Sentinel does not subscribe to are answered as Probot would.
    if (subscribed(name, (payload as GithubPayload).action)) {
      try {
        const got = await io.ingest(githubDelivery(id, name, payload as GithubPayload, text));
        if (typeof got === "object") {
          deps.logger.warn(
            { delivery: id, event: name, reason: got.unstorable },
            "GitHub delivery refused: it cannot be stored",
          );
          return answer(res, 400, { error: `the payload cannot be stored: ${got.unstorable}` });
        }
      } catch (error) {
        deps.logger.error({ err: error, delivery: id, event: name }, "GitHub delivery failed");
        return answer(res, 500, { error: error instanceof Error ? error.message : String(error) });
      }
    }
    res.writeHead(200, { "content-type": "text/plain", accept: "application/json", "content-length": "3" }).end("ok\n");
    return true;
  };
}

function answer(res: ServerResponse, status: number, body: unknown): true {
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      "content-type": "application/json",
      accept: "application/json",
      "content-length": String(Buffer.byteLength(text)),
    })
    .end(text);
  return true;
}

function withoutTrailingSlashes(path: string): string {
  return path.replace(/\/+$/, "") || "/";
}
