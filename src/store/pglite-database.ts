import { PGlite } from "@electric-sql/pglite";
import type { Database, Queryable } from "./database.js";

/** Embedded PostgreSQL (PGlite) in a data folder, or in memory when `dataDir` is omitted. */
export async function createPgliteDatabase(dataDir?: string): Promise<Database> {
  const db = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  const run = async <Row>(target: Pick<PGlite, "query">, sql: string, params?: readonly unknown[]) => {
    const result = await target.query<Row>(sql, params as unknown[] | undefined);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  };
  return {
    kind: "pglite",
    query: (sql, params) => run(db, sql, params),
    transaction: (fn) => db.transaction((t) => fn({ query: (sql, params) => run(t, sql, params) } satisfies Queryable)),
    close: () => db.close(),
  };
}
