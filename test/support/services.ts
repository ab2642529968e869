import pg from "pg";
import { Redis } from "ioredis";
import { randomBytes } from "node:crypto";
import { openDatabase, type Database } from "../../src/store/index.js";

export const POSTGRES_ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * Whether a real service is reachable. In CI (CI=true) an unreachable service is a failure, not a
 * skip: the tests that need it must run there. Elsewhere they skip with a loud message.
 */
async function reachable(name: string, probe: () => Promise<void>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    if (process.env.CI === "true")
      throw new Error(`${name} is required in CI but unreachable: ${why}`, { cause: error });
    console.warn(`\n!!! ${name} is unreachable (${why}); its tests are SKIPPED. Start it (see .ci/run) to run them.\n`);
    return false;
  }
}

export const postgresAvailable = await reachable(`PostgreSQL at ${POSTGRES_ADMIN_URL}`, async () => {
  const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 2000 });
  await c.connect();
  await c.end();
});

export const redisAvailable = await reachable(`Redis at ${REDIS_URL}`, async () => {
  const r = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
  });
  r.on("error", () => {});
  try {
    await r.connect();
    await r.ping();
  } finally {
    r.disconnect();
  }
});

/** A fresh, migrated PostgreSQL database of its own, dropped by the returned cleanup. */
export async function freshPostgres(): Promise<{ db: Database; url: string; drop: () => Promise<void> }> {
  const name = `sentinel_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString() });
  return {
    db,
    url: url.toString(),
    drop: async () => {
      await db.close();
      const a = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** Both databases Sentinel supports, for tests that must hold on each. */
export const DATABASES: ReadonlyArray<{
  name: string;
  available: boolean;
  open: () => Promise<{ db: Database; drop: () => Promise<void> }>;
}> = [
  {
    name: "PGlite",
    available: true,
    open: async () => {
      const db = await openDatabase({});
      return { db, drop: () => db.close() };
    },
  },
  { name: "PostgreSQL", available: postgresAvailable, open: freshPostgres },
];

export interface ServiceStack {
  name: string;
  available: boolean;
  env: () => Promise<{ env: Record<string, string>; drop: () => Promise<void> }>;
}

/**
 * The two ways Sentinel runs: embedded defaults, and real PostgreSQL with BullMQ on real Redis
 * (each run gets a fresh database and queue prefix). End-to-end files that exercise the fix
 * pipeline through the queue and the store run every scenario on both.
 */
export const SERVICE_STACKS: ReadonlyArray<ServiceStack> = [
  {
    name: "embedded defaults (PGlite, in-process queue)",
    available: true,
    env: async () => ({ env: { SENTINEL_DATA_DIR: ":memory:" }, drop: async () => {} }),
  },
  {
    name: "PostgreSQL and BullMQ on Redis",
    available: postgresAvailable && redisAvailable,
    env: async () => {
      const pg = await freshPostgres();
      return {
        env: {
          DATABASE_URL: pg.url,
          REDIS_URL,
          SENTINEL_QUEUE_PREFIX: `sentinel-e2e-${randomBytes(4).toString("hex")}`,
        },
        drop: pg.drop,
      };
    },
  },
];

/**
 * One of the two stacks, for an end-to-end file whose scenarios are about the forge and the
 * product's behaviour rather than about the store or the queue. Those files are split between the
 * stacks, about half on each, so both carry end-to-end traffic while CI stays inside its budget.
 * The store and the queue keep their contract tests on both (test/store/store.test.ts,
 * test/queue/*), and the fix pipeline's end-to-end files (github-fix, gitlab-fix, and
 * model-webhook-github, the model-written fix from a signed webhook) run on both.
 */
export function serviceStack(which: "embedded" | "services"): ReadonlyArray<ServiceStack> {
  return [SERVICE_STACKS[which === "embedded" ? 0 : 1]!];
}
