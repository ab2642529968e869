// The leases behind RunStore: one owner per key until it expires (a fix per failure, a lock).
import type { Queryable } from "./database.js";
/** A lease: held by one owner until it expires; a holder that stops renewing loses it. */
export async function acquireLease(db: Queryable, key: string, owner: string, ttlMs: number): Promise<boolean> {
  const { rows } = await db.query<{ owner: string }>(
    `INSERT INTO leases (lease_key, owner, expires_at) VALUES ($1, $2, now() + ($3 || ' milliseconds')::interval)
     ON CONFLICT (lease_key) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
     WHERE leases.expires_at < now() OR leases.owner = EXCLUDED.owner
     RETURNING owner`,
    [key, owner, String(ttlMs)],
  );
  return rows[0]?.owner === owner;
}
export async function renewLease(db: Queryable, key: string, owner: string, ttlMs: number): Promise<boolean> {
  const { rowCount } = await db.query(
    "UPDATE leases SET expires_at = now() + ($3 || ' milliseconds')::interval WHERE lease_key = $1 AND owner = $2",
    [key, owner, String(ttlMs)],
  );
  return rowCount === 1;
}
export async function releaseLease(db: Queryable, key: string, owner: string): Promise<void> {
  await db.query("DELETE FROM leases WHERE lease_key = $1 AND owner = $2", [key, owner]);
}

/** Hands a database lease from `from` to `to`, only while `from` still holds it (compare-and-set). */
export async function takeOverLease(
  db: Queryable,
  key: string,
  from: string,
  to: string,
  ttlMs: number,
): Promise<boolean> {
  const { rowCount } = await db.query(
    "UPDATE leases SET owner = $3, expires_at = now() + ($4 || ' milliseconds')::interval WHERE lease_key = $1 AND owner = $2 AND expires_at > now()",
    [key, from, to, String(ttlMs)],
  );
  return rowCount === 1;
}
