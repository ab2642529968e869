import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { SentinelError } from "../../core/index.js";
import type { DeliveryRecord } from "../../store/index.js";
import { GITLAB_EVENTS } from "./read-event.js";
import { inScope, type GitlabSecret } from "./secrets.js";

/** GitLab sends at most 25 MB; anything larger is not a hook. */
export const MAX_GITLAB_BODY = 25 * 1024 * 1024;

/**
 * What the route needs from the server and from ingest, passed in so that forge/ imports
 * neither (both import forge/).
 */
export interface GitlabWebhookIo {
  /** Records and queues one delivery, or says why its payload cannot be stored. */
  readonly ingest: (delivery: DeliveryRecord) => Promise<"recorded" | "duplicate" | { readonly unstorable: string }>;
  /**
   * Reads the body at the pace the HTTP server set for the request (deadline, minimum rate), up
   * to `limit` bytes; null when it refused the body and has answered the request itself.
   */
  readonly readBody: (req: IncomingMessage, res: ServerResponse, limit: number) => Promise<Buffer | null>;
}

/**
 * The GitLab Pipeline/Job hook endpoint. It verifies `X-Gitlab-Token` in constant time against
 * every configured secret, records the delivery and queues it. A secret scoped to a project or
 * group (GITLAB_WEBHOOK_SECRETS) is good only for hooks naming a project in that scope; the
 * worker then confirms the project's id and path through the API. GitLab disables a hook after
 * repeated failures, so every delivery that passes verification gets a 2xx, even for events
 * Sentinel ignores; only bad tokens, tokens for another project and unreadable bodies do not.
 */
export function createGitlabWebhookRoute(
  deps: { readonly logger: Logger; readonly secrets: readonly GitlabSecret[] },
  io: GitlabWebhookIo,
) {
  if (deps.secrets.length === 0)
    throw new SentinelError(
      "E_SERVER_OPTION",
      "the GitLab webhook needs at least one secret (GITLAB_WEBHOOK_SECRET or GITLAB_WEBHOOK_SECRETS)",
    );
  const expected = deps.secrets.map((s) => ({ scope: s.scope, digest: digest(s.secret) }));
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "POST") return send(res, 405, { error: "POST a GitLab webhook here" });
    const token = req.headers["x-gitlab-token"];
    const scope = typeof token === "string" ? matchingScope(expected, digest(token)) : undefined;
    if (scope === undefined) {
      deps.logger.warn(
        { event: req.headers["x-gitlab-event"] },
        "GitLab webhook with a missing or wrong token rejected",
      );
      return send(res, 401, { error: "missing or wrong X-Gitlab-Token" });
    }
    // Held to the server's pace: a GitLab that knows the token is still no reason to hold a
    // connection open for a trickle.
    const body = await io.readBody(req, res, MAX_GITLAB_BODY);
    if (body === null) return;
    const text = body.toString("utf8");
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      // The sender learns why (400); a bad body is the sender's problem, not the server's.
      return send(res, 400, { error: "body is not valid JSON" });
    }
    if (typeof payload !== "object" || payload === null || Array.isArray(payload))
      return send(res, 400, { error: "body is not a JSON object" });
    const event = String(req.headers["x-gitlab-event"] ?? "");
    if (!(GITLAB_EVENTS as readonly string[]).includes(event)) {
      deps.logger.info({ event }, "GitLab event ignored: Sentinel reads Job, Pipeline, Note and Merge Request hooks");
      return send(res, 202, { ignored: `event "${event}" is not one Sentinel reads` });
    }
    const claim = projectClaim(payload as Record<string, unknown>);
    if (!inScope(scope, claim)) {
      deps.logger.warn(
        { event, project: claim.path ?? claim.id, scope },
        "GitLab delivery refused: its token is the secret of another project or group",
      );
      return send(res, 403, { error: "this X-Gitlab-Token is not the secret for the project this hook names" });
    }
    const key = deliveryKeyOf(req, body);
    const p = payload as {
      object_attributes?: { status?: string };
      build_status?: string;
      project?: { path_with_namespace?: string };
    };
    const result = await io.ingest({
      deliveryKey: key,
      forge: "gitlab",
      event,
      action: p.build_status ?? p.object_attributes?.status ?? null,
      repo: p.project?.path_with_namespace ?? null,
      payload,
      payloadText: text,
    });
    if (typeof result === "object") {
      deps.logger.warn(
        { delivery: key, event, reason: result.unstorable },
        "GitLab delivery refused: it cannot be stored",
      );
      return send(res, 400, { error: `the payload cannot be stored: ${result.unstorable}` });
    }
    send(res, result === "recorded" ? 202 : 200, { delivery: key, result });
  };
}

/**
 * GitLab names a delivery by `Idempotency-Key` (the same across retries), else by
 * `X-Gitlab-Event-UUID`; an older GitLab with neither is keyed by the body's hash.
 */
function deliveryKeyOf(req: IncomingMessage, body: Buffer): string {
  const header = (name: string) => {
    const v = req.headers[name];
    return typeof v === "string" && v.length > 0 && v.length <= 200 ? v : null;
  };
  const id = header("idempotency-key") ?? header("x-gitlab-event-uuid");
  return id ? `gitlab:${id}` : `gitlab:sha256:${createHash("sha256").update(body).digest("hex")}`;
}

/**
 * The scope of the secret `token` is (null: any project), or undefined when it is none of them.
 * Every secret is compared, whichever matches, so the time taken says nothing about which.
 */
function matchingScope(
  expected: ReadonlyArray<{ scope: string | null; digest: Buffer }>,
  token: Buffer,
): string | null | undefined {
  let found: string | null | undefined;
  for (const e of expected) if (timingSafeEqual(e.digest, token) && found === undefined) found = e.scope;
  return found;
}

/** The project a hook names: `project.path_with_namespace` and `project.id` (a job hook's `project_id`). */
function projectClaim(p: Record<string, unknown>): { path: string | null; id: string | null } {
  const project = (typeof p.project === "object" && p.project !== null ? p.project : {}) as Record<string, unknown>;
  const path = typeof project.path_with_namespace === "string" ? project.path_with_namespace : null;
  const rawId = project.id ?? p.project_id;
  const id = typeof rawId === "number" || typeof rawId === "string" ? String(rawId) : null;
  return { path, id };
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body) + "\n");
}
