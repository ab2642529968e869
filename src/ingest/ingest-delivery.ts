import type { Logger } from "pino";
import { safeJobId, type JobQueue } from "../queue/index.js";
import type { DeliveryRecord, Store } from "../store/index.js";

export interface IngestDeps {
  readonly store: Store;
  readonly queue: JobQueue;
  readonly logger: Logger;
}

/**
 * What the webhook handler does, and all it does: record the delivery durably, then queue it.
 * The record comes first, so a crash between the two loses nothing (the sweeper queues it later),
 * and a redelivery of the same key does nothing twice.
 */
export async function ingestDelivery(deps: IngestDeps, delivery: DeliveryRecord): Promise<"recorded" | "duplicate"> {
  const fresh = await deps.store.recordDelivery(delivery);
  if (!fresh) {
    deps.logger.info({ delivery: delivery.deliveryKey, event: delivery.event }, "duplicate delivery ignored");
    return "duplicate";
  }
  await enqueueDelivery(deps, delivery.deliveryKey);
  return "recorded";
}

export async function enqueueDelivery(deps: IngestDeps, deliveryKey: string): Promise<void> {
  await deps.queue.add("delivery", { deliveryKey }, { jobId: safeJobId("delivery", deliveryKey) });
  await deps.store.markEnqueued(deliveryKey);
}

/**
 * Queues deliveries that were recorded but never queued (the process died in between, or Redis
 * lost the write). Returns how many it queued.
 */
export async function sweepDeliveries(deps: IngestDeps, olderThanMs = 30_000): Promise<number> {
  const keys = await deps.store.deliveriesNotEnqueued(olderThanMs);
  for (const key of keys) await enqueueDelivery(deps, key);
  if (keys.length > 0) deps.logger.warn({ count: keys.length }, "queued deliveries that had not reached the queue");
  return keys.length;
}
