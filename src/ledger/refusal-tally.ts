import type { Logger } from "pino";
import { appendLedger } from "./append-ledger.js";
import type { LedgerDatabase } from "./sql.js";

export interface Refusal {
  readonly forge: string;
  readonly reason: string;
  readonly status: number;
  /** The delivery id the sender claimed, if any (unverified: it is what a refused sender wrote). */
  readonly delivery: string | null;
}

interface Tally {
  count: number;
  first: string;
  last: string;
  status: number;
  deliveries: string[];
}

/** Delivery ids kept per entry, as samples. */
const SAMPLES = 10;

/**
 * Refused webhook deliveries in the ledger, counted: one `delivery.refused` entry per forge and
 * reason per interval, with the count, the first and last time and a few of the delivery ids the
 * senders claimed. Whoever sends a refused delivery (a bad signature, a wrong token) is not
 * authenticated, so one entry per refusal would let anyone grow the ledger at line rate; a tally
 * records that it happened, how often and when, for the same cost whatever the rate.
 */
export function startRefusalTally(db: LedgerDatabase, o: { intervalMs?: number; logger: Logger }) {
  let tallies = new Map<string, Tally & { forge: string; reason: string }>();
  const flush = async (): Promise<void> => {
    if (tallies.size === 0) return;
    const batch = [...tallies.values()];
    tallies = new Map();
    try {
      await appendLedger(
        db,
        batch.map((t) => ({
          runId: null,
          kind: "delivery.refused",
          data: {
            forge: t.forge,
            reason: t.reason,
            status: t.status,
            count: t.count,
            first: t.first,
            last: t.last,
            deliveries: t.deliveries,
          },
        })),
      );
    } catch (error) {
      // Kept for the next round rather than lost: the database may be back by then.
      for (const t of batch) merge(t);
      o.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        "refused deliveries could not be written to the ledger; they are kept for the next round",
      );
    }
  };
  const merge = (t: Tally & { forge: string; reason: string }) => {
    const key = `${t.forge}\n${t.reason}`;
    const have = tallies.get(key);
    if (!have) return void tallies.set(key, t);
    have.count += t.count;
    have.last = t.last > have.last ? t.last : have.last;
    have.first = t.first < have.first ? t.first : have.first;
    have.deliveries = [...have.deliveries, ...t.deliveries].slice(0, SAMPLES);
  };
  const timer = setInterval(() => void flush(), o.intervalMs ?? 60_000);
  timer.unref();
  return {
    add(r: Refusal): void {
      const at = new Date().toISOString();
      merge({
        forge: r.forge,
        reason: r.reason,
        status: r.status,
        count: 1,
        first: at,
        last: at,
        deliveries: r.delivery ? [r.delivery] : [],
      });
    },
    flush,
    async stop(): Promise<void> {
      clearInterval(timer);
      await flush();
    },
  };
}
