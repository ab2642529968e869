import type { IncomingMessage, ServerResponse } from "node:http";
import { createGitlabWebhookRoute, type GitlabSecret } from "../forge/index.js";
import type { IngestDeps } from "../ingest/index.js";
import { BodyReadError, readBody, refuseBody } from "../server/index.js";
import { ingestForRoutes } from "./ingest-io.js";

/**
 * The GitLab webhook route (forge/gitlab/webhook.ts) wired to the server's body reading and to
 * ingest: the route itself imports neither, so that forge/ stays below both, and server/ stays
 * below ingest.
 */
export function createGitlabWebhook(deps: IngestDeps & { secrets: readonly GitlabSecret[] }) {
  return createGitlabWebhookRoute(deps, {
    ingest: ingestForRoutes(deps),
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
