import { isSentinelError, SentinelError } from "../core/index.js";
import { ledgerRewriteRisk } from "./audit-privileges.js";
import { migrate } from "./migrate.js";
import { migrationRights, pendingMigrations } from "./schema-version.js";
import { postgresReachError } from "./reach-error.js";
import { StoreSetupError } from "./store-setup-error.js";
import type { Database } from "./database.js";
import { currentOwner, takeOwnership, type StoreOwnership } from "./store-owner.js";

export interface OpenDatabaseOptions {
  /** PostgreSQL as the application uses it (DATABASE_URL); without it, PGlite. */
  readonly url?: string;
  /**
   * PostgreSQL as the schema's owner (DATABASE_MIGRATION_URL): migrations run through it, on a
   * connection of their own that is closed afterwards, and `url` is then held to a role that
   * cannot rewrite the audit ledger.
   */
  readonly migrationUrl?: string;
  readonly dataDir?: string;
}

/**
 * PostgreSQL when a URL is given, else PGlite in `dataDir` (in memory without one); at the current
 * schema version before it is returned. With only `url`, pending migrations run through it, as
 * long as its role may run them; a database already at the current version gets no DDL at all,
 * so an application role that may not create tables can open it.
 */
// Each backend's driver loads only when it is opened: a process that uses one (the CLI, PGlite; a
// deployment, PostgreSQL) does not pay for loading the other at start-up.
const postgresBackend = () => import("./postgres-database.js");
const pgliteBackend = () => import("./pglite-database.js");

async function openPglite(dataDir: string | undefined): Promise<Database> {
  const [{ createPgliteDatabase }, { CLUSTER_TEMPLATE_FILE }] = await Promise.all([
    pgliteBackend(),
    import("./cluster-template.js"),
  ]);
  // A folder is this process's alone while it is open (store-owner.ts): a store host lingering
  // on it is asked to close first, and another live opener is E_STORE_BUSY.
  const ownership = dataDir ? await claimFolder(dataDir) : null;
  let db: Database;
  try {
    // A new data folder, or a database in memory, starts from the build's cluster: initdb and
    // migrations done (cluster-template.ts).
    db = await createPgliteDatabase(dataDir, { template: CLUSTER_TEMPLATE_FILE });
  } catch (error) {
    await ownership?.release();
    throw error;
  }
  if (!ownership) return db;
  const close = db.close.bind(db);
  return Object.assign(db, {
    async close() {
      try {
        await close();
      } finally {
        await ownership.release();
      }
    },
  });
}

async function claimFolder(dataDir: string): Promise<StoreOwnership> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await takeOwnership(dataDir, { kind: "process", socket: null });
    } catch (error) {
      const held = isSentinelError(error) && error.code === "E_STORE_BUSY" ? await currentOwner(dataDir) : null;
      if (!held || held.kind !== "host" || !held.socket || attempt >= 3) throw error;
      const { closeSharedHost } = await import("./store-host-client.js");
      await closeSharedHost(dataDir, held.socket);
    }
  }
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.migrationUrl && !options.url) {
    throw new StoreSetupError(
      "E_DB_MIGRATION_URL_ALONE",
      "DATABASE_MIGRATION_URL is set but DATABASE_URL is not: set DATABASE_URL to the application role's URL as well " +
        "(the migration URL only runs migrations), or unset DATABASE_MIGRATION_URL to use embedded PGlite",
    );
  }
  if (options.migrationUrl) await migrateAsOwner(options.migrationUrl);
  const db = options.url
    ? (await postgresBackend()).createPostgresDatabase(options.url)
    : await openPglite(options.dataDir);
  try {
    await (options.migrationUrl ? checkApplicationRole(db) : migrateIfPending(db));
  } catch (error) {
    // The first query's error is the one to report; a pool that then fails to close adds nothing.
    await db.close().catch(() => undefined);
    throw (options.url && postgresReachError(error, options.url, "DATABASE_URL")) || error;
  }
  return db;
}

async function migrateAsOwner(migrationUrl: string): Promise<void> {
  const owner = (await postgresBackend()).createPostgresDatabase(migrationUrl, { max: 1 });
  try {
    await migrate(owner);
  } catch (error) {
    if (error instanceof StoreSetupError) throw error;
    const unreachable = postgresReachError(error, migrationUrl, "DATABASE_MIGRATION_URL");
    if (unreachable) throw unreachable;
    // pg's message names the role or the host, never the password.
    const why = error instanceof Error ? error.message : String(error);
    throw new SentinelError(
      "E_DB_MIGRATIONS_FAILED",
      `could not run migrations through DATABASE_MIGRATION_URL (${why}): check that it names the owner role ` +
        "(sentinel_owner in deploy/postgres/roles.sql) and Sentinel's database",
      { cause: error },
    );
  } finally {
    // A pool that fails to close must not hide the migrations' own outcome.
    await owner.close().catch(() => undefined);
  }
}

async function migrateIfPending(db: Database): Promise<void> {
  const pending = await pendingMigrations(db);
  if (pending.length === 0) return;
  const { role, canMigrate } = await migrationRights(db);
  if (!canMigrate) {
    throw new StoreSetupError(
      "E_DB_MIGRATIONS_PENDING",
      `the database lacks ${pending.length} migration(s) (${pending.map((m) => `${m.id} ${m.name}`).join(", ")}) ` +
        `and DATABASE_URL's role ${role} may not run them: set DATABASE_MIGRATION_URL to the owner role's URL where ` +
        'the server runs (docs/hardening.md, "The database roles"); a worker that started before the server migrated ' +
        "stops here and opens the database once restarted",
    );
  }
  await migrate(db);
}

async function checkApplicationRole(db: Database): Promise<void> {
  const pending = await pendingMigrations(db);
  if (pending.length > 0) {
    throw new StoreSetupError(
      "E_DB_MIGRATIONS_PENDING",
      `migrations ran through DATABASE_MIGRATION_URL, yet DATABASE_URL still lacks ${pending.length} of them: ` +
        "both URLs must name the same database (and schema search path)",
    );
  }
  const risk = await ledgerRewriteRisk(db);
  if (risk) {
    throw new StoreSetupError(
      "E_DB_ROLES_NOT_SEPARATED",
      `DATABASE_URL could rewrite the audit ledger (${risk}): with DATABASE_MIGRATION_URL set, DATABASE_URL must ` +
        "name the application role (sentinel_app in deploy/postgres/roles.sql), which may only append to it",
    );
  }
}
