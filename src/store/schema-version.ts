import type { Queryable } from "./database.js";
import type { Migration } from "./migration.js";
import { MIGRATIONS } from "./migrations.js";

/**
 * The migrations this database still lacks, read without DDL: an application role that may not
 * create tables can ask, and a database at the current version needs nothing more.
 */
export async function pendingMigrations(db: Queryable): Promise<Migration[]> {
  const { rows: exists } = await db.query<{ present: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
  );
  if (!exists[0]?.present) return [...MIGRATIONS];
  const { rows } = await db.query<{ id: number }>("SELECT id FROM schema_migrations");
  const done = new Set(rows.map((r) => Number(r.id)));
  return MIGRATIONS.filter((m) => !done.has(m.id));
}

/**
 * Whether the connected role could run migrations: it may create in its schema and, once a schema
 * exists, belongs to the role that owns it (altering a table takes its owner). Checked before
 * trying, so a role that cannot gets a clear message instead of a half-read permission error.
 */
export async function migrationRights(db: Queryable): Promise<{ role: string; canMigrate: boolean }> {
  const { rows } = await db.query<{ role: string; can_create: boolean | null; owns: boolean | null }>(
    `SELECT current_user AS role,
            has_schema_privilege(current_schema(), 'CREATE') AS can_create,
            (SELECT pg_has_role(current_user, c.relowner, 'MEMBER') FROM pg_class c WHERE c.oid = to_regclass('schema_migrations')) AS owns`,
  );
  const r = rows[0];
  return { role: r?.role ?? "unknown", canMigrate: r?.can_create === true && r.owns !== false };
}
