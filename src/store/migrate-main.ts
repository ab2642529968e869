import { isSentinelError } from "../core/index.js";
import { openDatabase } from "./open-database.js";
import { StoreSetupError } from "./store-setup-error.js";

/**
 * `node dist/store/migrate-main.js`: brings the database to the current schema through
 * DATABASE_MIGRATION_URL (the owner role), checks that DATABASE_URL (the application role) cannot
 * rewrite the audit ledger, and exits. The deployment's init step (compose's `migrate` service,
 * the chart's init container) runs it, so the long-running server and workers never hold the
 * owner's password. Without DATABASE_MIGRATION_URL it migrates through DATABASE_URL, as a server
 * does at start. Returns the exit code: 0 done, 1 refused or failed, 2 misconfigured.
 */
export async function migrateMain(
  env: NodeJS.ProcessEnv,
  out: { log(line: string): void; error(line: string): void },
): Promise<number> {
  const url = env.DATABASE_URL;
  const migrationUrl = env.DATABASE_MIGRATION_URL || undefined;
  if (!url) {
    out.error(
      "sentinel migrate: DATABASE_URL is not set: set it to the application role's URL " +
        "(and DATABASE_MIGRATION_URL to the owner's)",
    );
    return 2;
  }
  try {
    const db = await openDatabase({ url, ...(migrationUrl ? { migrationUrl } : {}) });
    await db.close();
    out.log(
      `sentinel migrate: the schema is current` +
        (migrationUrl ? "; DATABASE_URL's role cannot rewrite the audit ledger" : ""),
    );
    return 0;
  } catch (error) {
    const code = error instanceof StoreSetupError || isSentinelError(error) ? `${error.code}: ` : "";
    out.error(`sentinel migrate: ${code}${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await migrateMain(process.env, { log: (l) => console.log(l), error: (l) => console.error(l) });
}
