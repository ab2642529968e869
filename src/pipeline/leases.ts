import { Redis } from "ioredis";
import type { RunStore } from "../store/index.js";

/**
 * A lease: one owner at a time, held while it is renewed, lost when its holder stops (a dead
 * worker). Redis when the deployment has it; the database otherwise (works across processes on
 * PostgreSQL, in-process on PGlite).
 */
export interface Leases {
  readonly kind: "redis" | "database";
  acquire(key: string, owner: string, ttlMs: number): Promise<boolean>;
  renew(key: string, owner: string, ttlMs: number): Promise<boolean>;
  release(key: string, owner: string): Promise<void>;
}

export function databaseLeases(runs: RunStore): Leases {
  return {
    kind: "database",
    acquire: (key, owner, ttl) => runs.acquireLease(key, owner, ttl),
    renew: (key, owner, ttl) => runs.renewLease(key, owner, ttl),
    release: (key, owner) => runs.releaseLease(key, owner),
  };
}

// Renew and release only a lease this owner still holds (compare-and-set in one script).
const RENEW = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

export function redisLeases(url: string, prefix = "sentinel:lease:"): Leases & { close(): void } {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: false });
  redis.on("error", () => {});
  return {
    kind: "redis",
    async acquire(key, owner, ttl) {
      return (await redis.set(prefix + key, owner, "PX", ttl, "NX")) === "OK";
    },
    async renew(key, owner, ttl) {
      return Number(await redis.eval(RENEW, 1, prefix + key, owner, String(ttl))) === 1;
    },
    async release(key, owner) {
      await redis.eval(RELEASE, 1, prefix + key, owner);
    },
    close: () => redis.disconnect(),
  };
}
