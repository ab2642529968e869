import { enforceAuditPrivileges } from "./audit-privileges.js";
import type { Database } from "./database.js";
import { MIGRATIONS } from "./migrations.js";

/** An arbitrary constant: one advisory lock so two processes starting at once migrate in turn. */
const MIGRATION_LOCK = 7_341_652;

/**
 * Applies the migrations a database lacks, all in one transaction (none or all), then narrows
 * what roles other than the owner may do to the audit tables (audit-privileges.ts). Returns the
 * ids applied. `upTo` stops at a version (to test an upgrade from it).
 */
export async function migrate(db: Database, o: { upTo?: number } = {}): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await tx.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const { rows } = await tx.query<{ id: number }>("SELECT id FROM schema_migrations");
    const done = new Set(rows.map((r) => Number(r.id)));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.id) || (o.upTo !== undefined && m.id > o.upTo)) continue;
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      if (m.run) await m.run(tx);
      await tx.query("INSERT INTO schema_migrations (id, name) VALUES ($1, $2)", [m.id, m.name]);
      applied.push(m.id);
    }
    // After the migrations, in their transaction: a table they created may have been handed to
    // the app role with every privilege by ALTER DEFAULT PRIVILEGES a moment ago.
    await enforceAuditPrivileges(tx);
    return applied;
  });
}

/** Our migrations hold no semicolons inside strings or bodies, so a split on `;` is exact. */
function splitStatements(sql: string): string[] {
  return sql
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
