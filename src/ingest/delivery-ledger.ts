import type { Logger } from "pino";
import type { Store } from "../store/index.js";

/**
 * Appends the `delivery.accepted` entries of recorded deliveries to the audit ledger, in batches,
 * every `intervalMs` (DeliveryStore.ledgerAccepted). Every process that records deliveries or
 * reads them runs one: the chain's lock makes them take turns, and a delivery recorded by a
 * process that died before its entry was written gets it from the next round of any other.
 */
export function startDeliveryLedger(store: Store, o: { logger: Logger; intervalMs?: number; batch?: number }) {
  const batch = o.batch ?? 1000;
  let running: Promise<void> | null = null;
  const round = async (): Promise<void> => {
    // Until a round finds less than a full batch: a burst is caught up with, not left for later.
    while ((await store.deliveries.ledgerAccepted(batch)) === batch);
  };
  const flush = (): Promise<void> => {
    running ??= round()
      .catch((error: unknown) =>
        o.logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          "accepted deliveries could not be written to the ledger yet; the next round tries again",
        ),
      )
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => void flush(), o.intervalMs ?? 250);
  timer.unref();
  return {
    /** Writes the entries of every delivery recorded so far (waits for a round in progress first). */
    async flush(): Promise<void> {
      await running;
      await flush();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await running;
      await flush();
    },
  };
}
