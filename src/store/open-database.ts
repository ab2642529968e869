import { migrate } from "./migrate.js";
import { createPgliteDatabase } from "./pglite-database.js";
import { createPostgresDatabase } from "./postgres-database.js";
import type { Database } from "./database.js";

/**
 * PostgreSQL when a URL is given, else PGlite in `dataDir` (in memory without one); migrated
 * before it is returned.
 */
export async function openDatabase(options: { url?: string; dataDir?: string }): Promise<Database> {
  const db = options.url ? createPostgresDatabase(options.url) : await createPgliteDatabase(options.dataDir);
  try {
    await migrate(db);
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  return db;
}
