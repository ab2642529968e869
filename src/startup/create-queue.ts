import type { Logger } from "pino";
import type { ParsedEnv } from "../config/index.js";
import { BullQueue, MemoryQueue, type JobQueue } from "../queue/index.js";

type QueueEnv = Pick<
  ParsedEnv,
  "REDIS_URL" | "SENTINEL_QUEUE_PREFIX" | "SENTINEL_QUEUE_LOCK_MS" | "SENTINEL_QUEUE_STALLED_MS"
>;

/** BullMQ on REDIS_URL (checkRedis has seen it answer), else the in-process queue. */
export function createQueue(config: QueueEnv, logger: Logger): JobQueue {
  if (!config.REDIS_URL) {
    return new MemoryQueue({
      onError: (err, job) => logger.warn({ err: err instanceof Error ? err.message : err, job }, "queue job failed"),
    });
  }
  const {
    SENTINEL_QUEUE_PREFIX: prefix,
    SENTINEL_QUEUE_LOCK_MS: lockDurationMs,
    SENTINEL_QUEUE_STALLED_MS: stalledIntervalMs,
  } = config;
  return new BullQueue({
    redisUrl: config.REDIS_URL,
    ...(prefix ? { prefix } : {}),
    ...(lockDurationMs ? { lockDurationMs } : {}),
    ...(stalledIntervalMs ? { stalledIntervalMs } : {}),
    onError: (err, job) => logger.warn({ err, job }, "queue job failed"),
    onConnectionError: (err, context) => logger.error({ err }, `Redis (REDIS_URL): ${context}`),
  });
}
