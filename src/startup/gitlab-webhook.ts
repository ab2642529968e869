import type { IncomingMessage, ServerResponse } from "node:http";
import { createGitlabWebhookRoute, type GitlabSecret } from "../forge/index.js";
import { createDeliveryIngester, UnstorableDeliveryError, type IngestDeps } from "../ingest/index.js";
import { BodyReadError, readBody, refuseBody } from "../server/index.js";

/**
 * The GitLab webhook route (forge/gitlab/webhook.ts) wired to the server's body reading and to
 * ingest: the route itself imports neither, so that forge/ stays below both, and server/ stays
 * below ingest.
 */
export function createGitlabWebhook(deps: IngestDeps & { secrets: readonly GitlabSecret[] }) {
  const ingest = createDeliveryIngester(deps);
  return createGitlabWebhookRoute(deps, {
    ingest: async (delivery) => {
      try {
        return await ingest(delivery);
      } catch (error) {
        if (!(error instanceof UnstorableDeliveryError)) throw error;
        // Answered 400 by the route, which logs it: the sender's payload, not the server, is at fault.
        return { unstorable: error.reason };
      }
    },
    readBody: async (req: IncomingMessage, res: ServerResponse, limit: number) => {
      try {
        return await readBody(req, limit);
      } catch (error) {
        if (!(error instanceof BodyReadError)) throw error;
        if (error.code === "E_BODY_TOO_SLOW") {
          const event = req.headers["x-gitlab-event"];
          deps.logger.warn({ event, reason: error.message }, "GitLab delivery cut: its body arrived too slowly");
        }
        refuseBody(req, res, error);
        return null;
      }
    },
  });
}
