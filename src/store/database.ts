/**
 * The one SQL surface Sentinel uses, implemented by PostgreSQL (`pg`) and by embedded PGlite, so
 * every query and migration runs unchanged on both. Parameters are `$1…`; JSON goes in as text
 * cast to `jsonb` and comes back parsed.
 */
export interface Queryable {
  query<Row = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<{ rows: Row[]; rowCount: number }>;
}

export interface Database extends Queryable {
  readonly kind: "postgres" | "pglite";
  /** Runs `fn` in one transaction: all of it is written or none of it. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` while holding a lock named `key`, across every process using this database (a
   * PostgreSQL advisory lock; PGlite has one process, so an in-process lock). `fn` must not wait
   * on another lock of the same database.
   */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
