import type { Probot } from "probot";
import { GITHUB_EVENTS, ingestDelivery, type IngestDeps } from "./ingest/index.js";

/**
 * The Probot application: each subscribed event is recorded and queued, nothing more, so GitHub
 * gets its answer in milliseconds. Probot has verified the signature before this runs.
 */
export function createSentinelApp(deps: IngestDeps) {
  return (app: Probot): void => {
    app.on([...GITHUB_EVENTS], async (context) => {
      const payload = context.payload as { action?: string; installation?: { id: number }; repository?: { full_name?: string } };
      await ingestDelivery(deps, {
        deliveryKey: `github:${context.id}`,
        forge: "github",
        event: context.name,
        action: payload.action ?? null,
        installationId: payload.installation ? String(payload.installation.id) : null,
        repo: payload.repository?.full_name ?? null,
        payload: context.payload,
      });
    });
  };
}
