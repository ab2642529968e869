import type { Logger } from "pino";
import { safeJobId, type JobQueue } from "../queue/index.js";
import type { DeliveryRecord, Store } from "../store/index.js";
import type { Metrics } from "../metrics/index.js";

export interface IngestDeps {
  readonly store: Store;
  readonly queue: JobQueue;
  readonly logger: Logger;
  readonly metrics?: Metrics;
}

/**
 * What the webhook handler does, and all it does: record the delivery durably, then queue it.
 * The record comes first, so a crash between the two loses nothing (the sweeper queues it later),
 * and a redelivery of the same key does nothing twice.
 */
export async function ingestDelivery(deps: IngestDeps, delivery: DeliveryRecord): Promise<"recorded" | "duplicate"> {
  const fresh = await deps.store.recordDelivery(delivery);
  deps.metrics?.webhooksReceived.inc({ forge: delivery.forge, event: delivery.event });
  if (!fresh) {
    deps.metrics?.webhooksDuplicate.inc({ forge: delivery.forge });
    deps.logger.info({ delivery: delivery.deliveryKey, event: delivery.event }, "duplicate delivery ignored");
    return "duplicate";
  }
  // Recorded is safe: if the queue is down or slow, the sweeper queues it later, so the sender
  // still gets its 2xx (GitLab disables hooks that keep failing).
  try {
    await enqueueDelivery(deps, delivery.deliveryKey);
  } catch (error) {
    deps.logger.warn({ delivery: delivery.deliveryKey, err: error instanceof Error ? error.message : String(error) }, "delivery recorded but not queued; the sweeper will queue it");
  }
  return "recorded";
}

/** How long the webhook handler waits for the queue before leaving the delivery to the sweeper. */
const ENQUEUE_TIMEOUT_MS = 3000;

export async function enqueueDelivery(deps: IngestDeps, deliveryKey: string, jobId = safeJobId("delivery", deliveryKey)): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`queue did not accept the job within ${ENQUEUE_TIMEOUT_MS} ms`)), ENQUEUE_TIMEOUT_MS);
  });
  try {
    await Promise.race([deps.queue.add("delivery", { deliveryKey }, { jobId }), timeout]);
  } finally {
    clearTimeout(timer);
  }
  await deps.store.markEnqueued(deliveryKey);
}

/**
 * Queues deliveries that were recorded but never queued (the process died in between, or Redis
 * lost the write). Returns how many it queued.
 */
export async function sweepDeliveries(deps: IngestDeps, olderThanMs = 30_000, unprocessedAfterMs = 15 * 60_000): Promise<number> {
  const keys = await deps.store.deliveriesNotEnqueued(olderThanMs);
  for (const key of keys) await enqueueDelivery(deps, key);
  if (keys.length > 0) deps.logger.warn({ count: keys.length }, "queued deliveries that had not reached the queue");
  // Queued long ago but never processed: the job was lost (an in-process queue that stopped, a
  // job that exhausted its attempts). Reading a delivery is idempotent, so it is queued again
  // under a new job id.
  const lost = await deps.store.deliveriesNotProcessed(unprocessedAfterMs);
  for (const key of lost) await enqueueDelivery(deps, key, safeJobId("delivery", `${key}#sweep-${Date.now()}`));
  if (lost.length > 0) deps.logger.warn({ count: lost.length }, "queued again deliveries whose job was lost");
  return keys.length + lost.length;
}
