// Real PostgreSQL and Redis for a bench run: a database and a queue prefix of its own, checked
// afterwards for every accepted delivery, and removed at the end.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { Redis } from "ioredis";

export const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

/** The queue name Sentinel's BullQueue uses (src/queue/bullmq-queue.ts). */
const QUEUE_NAME = "sentinel";

/** A new, empty database (Sentinel migrates it when it starts) and a way to drop it. */
export async function freshDatabase(label) {
  const name = `sentinel_bench_${label}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is unreachable at ${POSTGRES_ADMIN_URL} (${error.message}); start it (see .ci/run) or set BENCH_POSTGRES_ADMIN_URL`,
      { cause: error },
    );
  }
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const a = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** A Redis key prefix of this run's own, and a way to delete every key under it. */
export async function freshQueuePrefix(label) {
  const prefix = `sentinel-bench-${label}-${randomBytes(4).toString("hex")}`;
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000 });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `Redis is unreachable at ${REDIS_URL} (${error.message}); start it (see .ci/run) or set BENCH_REDIS_URL`,
      { cause: error },
    );
  }
  return {
    prefix,
    redis,
    async remove() {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
        if (keys.length > 0) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== "0");
      redis.disconnect();
    },
  };
}

/** BullMQ job ids as Sentinel builds them (safeJobId in src/queue/job-queue.ts). */
function deliveryJobId(deliveryKey) {
  return `delivery__${deliveryKey.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`)}`;
}

/**
 * For each accepted delivery key: is it a row in `deliveries`, is that row marked enqueued, and is
 * its BullMQ job in Redis? Counted independently, so a loss in either place shows; `lost` counts
 * the keys missing from the table or the queue (or both).
 */
export async function countAccepted({ databaseUrl, redis, prefix }, keys) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const stored = new Set();
  let enqueued = 0;
  for (let i = 0; i < keys.length; i += 10_000) {
    const { rows } = await client.query(
      "SELECT delivery_key, enqueued_at IS NOT NULL AS enqueued FROM deliveries WHERE delivery_key = ANY($1::text[])",
      [keys.slice(i, i + 10_000)],
    );
    for (const r of rows) {
      stored.add(r.delivery_key);
      if (r.enqueued) enqueued++;
    }
  }
  const { rows: total } = await client.query("SELECT count(*)::int AS n FROM deliveries");
  await client.end();
  const queued = new Set();
  for (let i = 0; i < keys.length; i += 5_000) {
    const slice = keys.slice(i, i + 5_000);
    const pipeline = redis.pipeline();
    for (const key of slice) pipeline.exists(`${prefix}:${QUEUE_NAME}:${deliveryJobId(key)}`);
    (await pipeline.exec()).forEach(([error, exists], j) => !error && exists === 1 && queued.add(slice[j]));
  }
  const lost = keys.filter((k) => !stored.has(k) || !queued.has(k)).length;
  const waiting = await redis.llen(`${prefix}:${QUEUE_NAME}:wait`);
  return {
    accepted: keys.length,
    stored: stored.size,
    enqueued,
    queued: queued.size,
    lost,
    rowsInTable: total[0].n,
    jobsWaiting: waiting,
  };
}
