import type { LedgerEntry } from "./ledger-entry.js";

export interface NewLedgerEntry {
  readonly runId: string | null;
  readonly kind: string;
  readonly data: Record<string, unknown>;
}

/**
 * The SQL surface the ledger needs; the store's Database and transactions have this shape. A
 * connection to a store in another process (store-host-client.ts) may append itself: the
 * append's four statements then cost one round trip instead of four (or six, with its own
 * transaction), and the host runs appendLedgerIn as anyone else would.
 */
export interface LedgerSql {
  appendLedger?(entries: readonly NewLedgerEntry[]): Promise<LedgerEntry[]>;
  query<Row = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<{ rows: Row[]; rowCount: number }>;
}

export interface LedgerDatabase extends LedgerSql {
  transaction<T>(fn: (tx: LedgerSql) => Promise<T>): Promise<T>;
}

/**
 * JSON text PostgreSQL's jsonb accepts and gives back unchanged: it refuses NUL characters and
 * lone UTF-16 surrogates, so both become U+FFFD. What is hashed is what this returns, parsed.
 */
export function jsonForPostgres(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "string" ? v.replace(UNSTORABLE, "\uFFFD") : v));
}

const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
