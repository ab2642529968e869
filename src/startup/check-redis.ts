import { Redis } from "ioredis";
import { connectionProblem, hostAndPort, SentinelError } from "../core/index.js";

/** Long enough for a Redis across a network, short enough that a wrong URL fails start-up quickly. */
const PING_TIMEOUT_MS = 3000;

/**
 * Asks Redis for a PING before the queue is built on it: BullMQ retries a connection forever, so
 * a wrong REDIS_URL would otherwise leave a process that starts, then hangs on its first job.
 */
export async function checkRedis(url: string, timeoutMs = PING_TIMEOUT_MS): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // ioredis rejects connect() with only "Connection is closed."; the reason (refused, no such host,
  // wrong password) comes here first, and is what the start-up error reports.
  let reason: unknown = null;
  redis.on("error", (error: unknown) => (reason ??= error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw redisError(url, reason ?? error, timeoutMs);
  } finally {
    redis.disconnect();
  }
}

function redisError(url: string, error: unknown, timeoutMs: number): SentinelError {
  const where = `Redis at ${hostAndPort(url, 6379)} (REDIS_URL)`;
  const message = error instanceof Error ? error.message : String(error);
  if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(message)) {
    const why = `${where} refused the credentials (${message}) — check the user and password in the URL`;
    return new SentinelError("E_REDIS_UNREACHABLE", why, { cause: error });
  }
  const timedOut = /timeout|timed out/i.test(message);
  const problem =
    connectionProblem(error) ??
    (timedOut ? `no answer within ${timeoutMs} ms — check the URL's host and port` : message);
  return new SentinelError("E_REDIS_UNREACHABLE", `cannot reach ${where}: ${problem}`, { cause: error });
}
