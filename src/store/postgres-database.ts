import { SentinelError } from "../core/index.js";
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Database, Queryable } from "./database.js";

/** PostgreSQL through a `pg` pool (DATABASE_URL). */
export function createPostgresDatabase(connectionString: string, options: { max?: number } = {}): Database {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10 });
  // An idle client that loses its connection emits here. Not logged: the pool replaces the client,
  // and a query that then cannot reach the server fails and reports it. Unhandled, the 'error'
  // event would crash the process.
  pool.on("error", () => undefined);
  const run = async <Row>(client: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[]) => {
    const result = await client.query(sql, params as unknown[] | undefined);
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
  };
  return {
    kind: "postgres",
    query: (sql, params) => run(pool, sql, params),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const tx: Queryable = { query: (sql, params) => run(client, sql, params) };
        const result = await fn(tx);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        // The transaction's own error is the one to report; a ROLLBACK on a broken connection adds nothing.
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async withLock(key, fn) {
      // A lease row, not a session advisory lock: waiting holds no pool connection, so waiters
      // cannot starve the holder of connections (which deadlocked with more waiters than the pool).
      const owner = `${process.pid}:${randomBytes(6).toString("hex")}`;
      const ttlMs = 120_000;
      const deadline = Date.now() + ttlMs;
      for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
        const { rows } = await pool.query(
          `INSERT INTO leases (lease_key, owner, expires_at) VALUES ($1, $2, now() + ($3 || ' milliseconds')::interval)
           ON CONFLICT (lease_key) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
             WHERE leases.expires_at < now()
           RETURNING owner`,
          [`lock:${key}`, owner, String(ttlMs)],
        );
        if (rows[0]?.owner === owner) break;
        if (Date.now() > deadline) throw new SentinelError("E_LOCK_TIMEOUT", `timed out waiting for lock ${key}`);
        await new Promise((r) => setTimeout(r, delay));
      }
      try {
        return await fn();
      } finally {
        // A lease not deleted expires after ttlMs; fn's own outcome is what the caller needs.
        await pool
          .query("DELETE FROM leases WHERE lease_key = $1 AND owner = $2", [`lock:${key}`, owner])
          .catch(() => undefined);
      }
    },
    close: () => pool.end(),
  };
}
