import type { Queryable } from "./database.js";

/**
 * Schema migrations, in order. One list serves PostgreSQL and PGlite; a migration is never edited
 * once released, only followed by another.
 */
export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly sql: string;
  /** Work SQL alone cannot do (hashing), after `sql`, in the same transaction. */
  readonly run?: (tx: Queryable) => Promise<void>;
}
