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
  /**
   * Hands the lease from `from` to `to` only while `from` still holds it (compare-and-set): how a
   * job taken over from its dead run gets the lease without waiting for it to lapse.
   */
  takeOver?(key: string, from: string, to: string, ttlMs: number): Promise<boolean>;
}

export function databaseLeases(runs: RunStore): Leases {
  return {
    kind: "database",
    acquire: (key, owner, ttl) => runs.acquireLease(key, owner, ttl),
    renew: (key, owner, ttl) => runs.renewLease(key, owner, ttl),
    release: (key, owner) => runs.releaseLease(key, owner),
    takeOver: (key, from, to, ttl) => runs.takeOverLease(key, from, to, ttl),
  };
}

// Renew and release only a lease this owner still holds (compare-and-set in one script).
const RENEW = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
const TAKE_OVER = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("set", KEYS[1], ARGV[2], "PX", ARGV[3]) else return 0 end`;

export async function redisLeases(url: string, prefix = "sentinel:lease:"): Promise<Leases & { close(): void }> {
  // ioredis loads only for a deployment that has Redis; the CLI runs the pipeline without it.
  const { Redis } = await import("ioredis");
  const redis = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: false });
  // Not logged here: ioredis reconnects by itself, and each command made meanwhile rejects with the
  // error, which its caller handles (a lost renewal stops the run before it writes anything).
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
    async takeOver(key, from, to, ttl) {
      return (await redis.eval(TAKE_OVER, 1, prefix + key, from, to, String(ttl))) === "OK";
    },
    close: () => redis.disconnect(),
  };
}
