import { SentinelError } from "../core/index.js";
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

export type IngestResult = "recorded" | "duplicate";

/**
 * The database refused to store this one delivery for what it contains, not for being down:
 * JSON nested deeper than PostgreSQL parses (54001), a key or value past a size limit (54000),
 * text it cannot represent (22P02, 22P05, 22021). Sending it again cannot help, so the webhook
 * answers 400, not 500.
 */
export class UnstorableDeliveryError extends Error {
  constructor(
    readonly deliveryKey: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`delivery ${deliveryKey} cannot be stored: ${reason}`, options);
  }
}

const UNSTORABLE_CODES = new Set(["54001", "54000", "22P02", "22P05", "22021"]);

/**
 * Deepest JSON nesting a delivery may have. Real webhook payloads nest about ten levels; PGlite
 * (PostgreSQL compiled to WebAssembly) does not fail cleanly on JSON nested some thousands deep,
 * it returns nothing and then hangs, so such a payload is refused before the database sees it.
 */
export const MAX_PAYLOAD_DEPTH = 512;

/** Whether the payload's JSON nests deeper than MAX_PAYLOAD_DEPTH (too deep to serialise counts). */
function nestsTooDeep(d: DeliveryRecord): boolean {
  let text = d.payloadText;
  if (text === undefined) {
    try {
      text = JSON.stringify(d.payload) ?? "";
    } catch {
      return true; // JSON.stringify throws past V8's nesting limit: too deep by definition
    }
  }
  return jsonNestsDeeperThan(text, MAX_PAYLOAD_DEPTH);
}

function jsonNestsDeeperThan(text: string, limit: number): boolean {
  // Cheap bound first (indexOf is fast): a text with no more opening brackets than the limit
  // cannot nest deeper, which settles every ordinary payload.
  let opens = 0;
  for (const bracket of ["{", "["]) {
    for (let i = text.indexOf(bracket); i !== -1 && opens <= limit; i = text.indexOf(bracket, i + 1)) opens++;
  }
  if (opens <= limit) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

function unstorable(error: unknown, deliveryKey: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !UNSTORABLE_CODES.has(code)) return error;
  return new UnstorableDeliveryError(deliveryKey, error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}

/**
 * What the webhook handler does, and all it does: record the delivery durably, then queue it.
 * The record comes first, so a crash between the two loses nothing (the sweeper queues it later),
 * and a redelivery of the same key does nothing twice. This is one delivery on its own; the
 * servers use createDeliveryIngester, which does the same for deliveries that arrive together.
 */
export async function ingestDelivery(deps: IngestDeps, delivery: DeliveryRecord): Promise<IngestResult> {
  let outcome: { result: IngestResult } | { error: unknown } | undefined;
  // Waits for the whole batch of one, the enqueued mark included, so callers see it settled.
  await ingestBatch(deps, [
    { delivery, resolve: (result) => (outcome ??= { result }), reject: (error) => (outcome ??= { error }) },
  ]);
  if (!outcome)
    throw new SentinelError("E_INGEST_UNSETTLED", `delivery ${delivery.deliveryKey} was neither recorded nor refused`);
  if ("error" in outcome) throw outcome.error;
  return outcome.result;
}

export interface IngesterOptions {
  /** Most deliveries recorded by one statement. */
  readonly maxBatch?: number;
  /** Batches being recorded and queued at once (so one batch's database commit overlaps another's queueing). */
  readonly maxInFlight?: number;
}

export interface DeliveryIngester {
  (delivery: DeliveryRecord): Promise<IngestResult>;
  /** Resolves when no batch is being recorded, queued or marked (tests, shutdown). */
  idle(): Promise<void>;
}

/**
 * Group commit for webhook deliveries. Deliveries that arrive while earlier ones are being
 * recorded wait and then go together: one multi-row INSERT (one commit and WAL flush instead of
 * one per delivery), one queue round trip, then one UPDATE marking them enqueued, after the
 * answers, which it need not delay. Nothing waits for a batch to fill: a delivery arriving at an
 * idle server is recorded at once, alone, so batching only happens, and only helps, under load.
 * Each caller still gets its own answer only after its delivery is durably recorded and queued
 * (or left to the sweeper when the queue refused it), exactly as ingestDelivery gives it.
 */
export function createDeliveryIngester(deps: IngestDeps, options: IngesterOptions = {}): DeliveryIngester {
  const maxBatch = options.maxBatch ?? 200;
  const maxInFlight = options.maxInFlight ?? 4;
  const waiting: Waiter[] = [];
  let inFlight = 0;
  let scheduled = false;
  const idleWaiters: Array<() => void> = [];
  const flush = () => {
    scheduled = false;
    while (inFlight < maxInFlight && waiting.length > 0) {
      inFlight++;
      void ingestBatch(deps, waiting.splice(0, maxBatch)).finally(() => {
        inFlight--;
        if (waiting.length > 0) schedule();
        else if (inFlight === 0) for (const done of idleWaiters.splice(0)) done();
      });
    }
  };
  // Flushed after the current turn of the event loop, so requests whose bodies arrived in the same
  // turn share a batch even when a slot is free.
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };
  const ingest = (delivery: DeliveryRecord) =>
    new Promise<IngestResult>((resolve, reject) => {
      waiting.push({ delivery, resolve, reject });
      schedule();
    });
  return Object.assign(ingest, {
    idle: () =>
      inFlight === 0 && waiting.length === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => idleWaiters.push(resolve)),
  });
}

interface Waiter {
  readonly delivery: DeliveryRecord;
  resolve(result: IngestResult): void;
  reject(error: unknown): void;
}

/** Records, queues and marks a batch, and answers every waiter. Never rejects. */
async function ingestBatch(deps: IngestDeps, batch: readonly Waiter[]): Promise<void> {
  try {
    await recordAndQueue(deps, batch);
  } catch (error) {
    // Whatever failed unexpectedly, no caller is left waiting (a settled promise ignores this).
    for (const w of batch) w.reject(error);
  }
}

async function recordAndQueue(deps: IngestDeps, all: readonly Waiter[]): Promise<void> {
  const batch = all.filter((w) => {
    if (!nestsTooDeep(w.delivery)) return true;
    w.reject(
      new UnstorableDeliveryError(w.delivery.deliveryKey, `its JSON nests deeper than ${MAX_PAYLOAD_DEPTH} levels`),
    );
    return false;
  });
  if (batch.length === 0) return;
  let fresh: Set<string>;
  try {
    fresh = await deps.store.deliveries.recordMany(batch.map((w) => w.delivery));
  } catch (error) {
    if (batch.length === 1) return batch[0]?.reject(unstorable(error, batch[0].delivery.deliveryKey));
    // One delivery the database refuses (say, JSON nested deeper than it parses) must not fail the
    // others that happened to arrive with it: each is recorded on its own and answered for itself.
    await Promise.all(batch.map((w) => ingestBatch(deps, [w])));
    return;
  }
  // The first copy of a new key is the recorded one; any other copy, in this batch or recorded
  // before, is a redelivery.
  const claimed = new Set<string>();
  const results = batch.map(({ delivery }): IngestResult => {
    deps.metrics?.webhooksReceived.inc({ forge: delivery.forge, event: delivery.event });
    if (fresh.has(delivery.deliveryKey) && !claimed.has(delivery.deliveryKey)) {
      claimed.add(delivery.deliveryKey);
      return "recorded";
    }
    deps.metrics?.webhooksDuplicate.inc({ forge: delivery.forge });
    deps.logger.info({ delivery: delivery.deliveryKey, event: delivery.event }, "duplicate delivery ignored");
    return "duplicate";
  });
  // Recorded is safe: if the queue is down or slow, the sweeper queues them later, so the senders
  // still get their 2xx (GitLab disables hooks that keep failing).
  const keys = [...claimed];
  let queued = false;
  try {
    await addToQueue(deps, keys);
    queued = true;
  } catch (error) {
    deps.logger.warn(
      { deliveries: keys, err: error instanceof Error ? error.message : String(error) },
      "deliveries recorded but not queued; the sweeper will queue them",
    );
  }
  // Recorded and queued: the senders have their answer. Marking the rows enqueued only spares the
  // sweeper work (re-adding a job id the queue has is a no-op), so the answers do not wait for it.
  batch.forEach((w, i) => w.resolve(results[i] as IngestResult));
  if (!queued || keys.length === 0) return;
  try {
    await deps.store.deliveries.markEnqueuedMany(keys);
  } catch (error) {
    deps.logger.warn(
      { deliveries: keys, err: error instanceof Error ? error.message : String(error) },
      "deliveries queued but not marked enqueued; the sweeper will queue them again (a no-op)",
    );
  }
}

/** How long the webhook handler waits for the queue before leaving the delivery to the sweeper. */
const ENQUEUE_TIMEOUT_MS = 3000;

export async function enqueueDelivery(
  deps: IngestDeps,
  deliveryKey: string,
  jobId = safeJobId("delivery", deliveryKey),
): Promise<void> {
  await withQueueTimeout(deps.queue.add("delivery", { deliveryKey }, { jobId }));
  await deps.store.deliveries.markEnqueued(deliveryKey);
}

/** Queues newly recorded deliveries in one round trip. */
async function addToQueue(deps: IngestDeps, deliveryKeys: readonly string[]): Promise<void> {
  if (deliveryKeys.length === 0) return;
  await withQueueTimeout(
    deps.queue.addBulk(
      deliveryKeys.map((deliveryKey) => ({
        name: "delivery" as const,
        data: { deliveryKey },
        jobId: safeJobId("delivery", deliveryKey),
      })),
    ),
  );
}

async function withQueueTimeout(adding: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`queue did not accept the job within ${ENQUEUE_TIMEOUT_MS} ms`)),
      ENQUEUE_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([adding, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Queues deliveries that were recorded but never queued (the process died in between, or Redis
 * lost the write). Returns how many it queued.
 */
export async function sweepDeliveries(
  deps: IngestDeps,
  olderThanMs = 30_000,
  unprocessedAfterMs = 15 * 60_000,
): Promise<number> {
  const keys = await deps.store.deliveries.notEnqueued(olderThanMs);
  for (const key of keys) await enqueueDelivery(deps, key);
  if (keys.length > 0) deps.logger.warn({ count: keys.length }, "queued deliveries that had not reached the queue");
  // Queued long ago but never processed: the job was lost (an in-process queue that stopped, a
  // job that exhausted its attempts). Reading a delivery is idempotent, so it is queued again
  // under a new job id.
  const lost = await deps.store.deliveries.notProcessed(unprocessedAfterMs);
  for (const key of lost) await enqueueDelivery(deps, key, safeJobId("delivery", `${key}#sweep-${Date.now()}`));
  if (lost.length > 0) deps.logger.warn({ count: lost.length }, "queued again deliveries whose job was lost");
  return keys.length + lost.length;
}
