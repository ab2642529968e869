import { randomBytes } from "node:crypto";
import { SentinelError } from "../core/index.js";
import type { RunStore } from "./run-store.js";

/** How long a report lock outlives its holder's last renewal; it is renewed every third of it. */
const LOCK_LEASE_MS = 15_000;
/** How long a job waits for a report lock before it fails (and the queue retries it). */
const LOCK_WAIT_MS = 120_000;

/**
 * Runs `fn` holding a lock on `key` (one report per commit, one sticky comment per pull request,
 * one re-run decision per commit, one tracking issue per fingerprint), across workers. The lock is
 * a lease its holder renews while it works: a worker that dies holding it lets go within
 * LOCK_LEASE_MS. (Database.withLock's rows last 120 s whoever holds them, so a worker killed while
 * publishing held back every later report of that commit for two minutes, each waiting job holding
 * a worker's slot meanwhile, and with more workers dying the waiting jobs were interrupted again
 * and again until the queue gave up on them.) The lease is a row of the database's `leases` table
 * under the same key Database.withLock used, so workers of both versions exclude each other while
 * a deployment rolls.
 */
export async function withLease<T>(
  deps: { readonly store: { readonly runs: Pick<RunStore, "acquireLease" | "renewLease" | "releaseLease"> } },
  key: string,
  fn: () => Promise<T>,
): Promise<T> {
  const runs = deps.store.runs;
  const lease = `lock:${key}`;
  const owner = `${process.pid}:${randomBytes(6).toString("hex")}`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let delay = 20; !(await runs.acquireLease(lease, owner, LOCK_LEASE_MS)); delay = Math.min(delay * 2, 500)) {
    if (Date.now() > deadline)
      throw new SentinelError(
        "E_LOCK_TIMEOUT",
        `timed out waiting for lock ${key}: another worker held it for ${LOCK_WAIT_MS / 1000} s; the job is retried`,
      );
    await new Promise((r) => setTimeout(r, delay));
  }
  // A missed renewal is not logged: the next one comes within a third of the lease, and a lease
  // that lapsed anyway only lets another worker publish the same report again.
  const renewal = setInterval(
    () => void runs.renewLease(lease, owner, LOCK_LEASE_MS).catch(() => {}),
    Math.floor(LOCK_LEASE_MS / 3),
  );
  renewal.unref();
  try {
    return await fn();
  } finally {
    clearInterval(renewal);
    // Not logged: a lease that was not released lapses by itself within LOCK_LEASE_MS.
    await runs.releaseLease(lease, owner).catch(() => {});
  }
}
