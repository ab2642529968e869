import type { DeliveryRecord } from "../store/index.js";
import { createDeliveryIngester, UnstorableDeliveryError, type IngestDeps } from "../ingest/index.js";

/**
 * The ingester as the forges' webhook routes take it: a payload that cannot be stored is an
 * answer (the route says 400 and logs it: the sender, not the server, is at fault), not an error.
 */
export function ingestForRoutes(deps: IngestDeps) {
  const ingest = createDeliveryIngester(deps);
  return async (delivery: DeliveryRecord): Promise<"recorded" | "duplicate" | { readonly unstorable: string }> => {
    try {
      return await ingest(delivery);
    } catch (error) {
      if (!(error instanceof UnstorableDeliveryError)) throw error;
      return { unstorable: error.reason };
    }
  };
}
