import type { Database } from "./database.js";
import * as q from "./delivery-queries.js";
import type { DeliveryRecord } from "./records.js";

export type StoredDelivery = DeliveryRecord & {
  enqueuedAt: Date | null;
  processedAt: Date | null;
  outcome: string | null;
};

/**
 * Webhook deliveries: recorded once (a redelivery is recognised by its key), ledgered, and
 * tracked through the queue until processed. The SQL is in delivery-queries.ts.
 */
export class DeliveryStore {
  constructor(private readonly db: Database) {}

  /** Records a delivery; false when this delivery key was recorded before (a redelivery). */
  async record(d: DeliveryRecord): Promise<boolean> {
    return (await this.recordMany([d])).has(d.deliveryKey);
  }

  /** Records deliveries that arrived together in one statement; returns the keys that were new. */
  async recordMany(ds: readonly DeliveryRecord[]): Promise<Set<string>> {
    return q.recordDeliveries(this.db, ds);
  }

  async ledgerAccepted(limit = 1000): Promise<number> {
    return q.ledgerAcceptedDeliveries(this.db, limit);
  }

  async markEnqueued(deliveryKey: string): Promise<void> {
    await this.markEnqueuedMany([deliveryKey]);
  }

  async markEnqueuedMany(deliveryKeys: readonly string[]): Promise<void> {
    return q.markEnqueuedMany(this.db, deliveryKeys);
  }

  async prune(days: number, batch = 5000): Promise<number> {
    return q.pruneDeliveries(this.db, days, batch);
  }

  async markProcessed(deliveryKey: string, outcome: string): Promise<void> {
    return q.markProcessed(this.db, deliveryKey, outcome);
  }

  async get(deliveryKey: string): Promise<StoredDelivery | null> {
    return q.getDelivery(this.db, deliveryKey);
  }

  async notEnqueued(olderThanMs: number, limit = 100): Promise<string[]> {
    return q.deliveriesNotEnqueued(this.db, olderThanMs, limit);
  }

  async notProcessed(olderThanMs: number, limit = 100): Promise<string[]> {
    return q.deliveriesNotProcessed(this.db, olderThanMs, limit);
  }
}
