import { openDatabase, type Database } from "../store/index.js";
import type { ParsedEnv } from "../config/index.js";

type StoreEnv = Pick<ParsedEnv, "DATABASE_URL" | "DATABASE_MIGRATION_URL" | "SENTINEL_DATA_DIR">;

/** PostgreSQL when a URL is configured, else PGlite in SENTINEL_DATA_DIR (`:memory:`: in memory). */
export async function openStoreDatabase(config: StoreEnv): Promise<Database> {
  // DATABASE_MIGRATION_URL (the schema's owner) only runs migrations; DATABASE_URL serves the rest.
  // Empty counts as unset (the schema says so): the chart blanks it in the server and worker containers.
  const url = config.DATABASE_URL;
  const migrationUrl = config.DATABASE_MIGRATION_URL;
  if (url || migrationUrl) return openDatabase({ ...(url ? { url } : {}), ...(migrationUrl ? { migrationUrl } : {}) });
  const dir = config.SENTINEL_DATA_DIR;
  return openDatabase(dir === ":memory:" ? {} : { dataDir: dir });
}
