import { SentinelError } from "../core/index.js";

/**
 * Why the store could not be opened as configured. Each code comes with a message that names the
 * variable to change; they stop start-up, since running on a schema or with roles other than the
 * ones asked for would be worse than not running.
 */
export type StoreSetupCode =
  /** Migrations are pending and DATABASE_URL's role may not run them. */
  | "E_DB_MIGRATIONS_PENDING"
  /** DATABASE_MIGRATION_URL was given, but DATABASE_URL's role could still rewrite the audit ledger. */
  | "E_DB_ROLES_NOT_SEPARATED"
  /** DATABASE_MIGRATION_URL without DATABASE_URL (it only makes sense with PostgreSQL). */
  | "E_DB_MIGRATION_URL_ALONE"
  /** A role other than the owner still holds a privilege on an audit table that lets it rewrite history. */
  | "E_DB_LEDGER_PRIVILEGES";

export class StoreSetupError extends SentinelError {
  declare readonly code: StoreSetupCode;

  constructor(code: StoreSetupCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "StoreSetupError";
  }
}
