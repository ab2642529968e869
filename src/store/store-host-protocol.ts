import type { NewLedgerEntry } from "../ledger/index.js";

/**
 * The messages between a process and the store host it started (store-host.ts serves them,
 * store-host-client.ts sends them). They travel over Node's IPC channel with `advanced`
 * serialization, so rows keep their Dates, parsed JSON and byte arrays as PGlite returned them.
 */
export type HostRequest =
  | {
      readonly type: "query";
      readonly id: number;
      readonly tx?: number;
      readonly sql: string;
      readonly params?: unknown[];
    }
  /** Opens transaction `tx`: its queries carry `tx` until an `end` commits or rolls it back. */
  | { readonly type: "begin"; readonly id: number; readonly tx: number }
  | { readonly type: "end"; readonly id: number; readonly tx: number; readonly commit: boolean }
  /** Appends to the ledger (appendLedgerIn) in transaction `tx`, or in one of its own. */
  | { readonly type: "append"; readonly id: number; readonly tx?: number; readonly entries: NewLedgerEntry[] }
  /** Takes a lock (withLock) for this command, answered once it holds it; `unlock` gives it back. */
  | { readonly type: "lock"; readonly id: number; readonly key: string }
  | { readonly type: "unlock"; readonly id: number; readonly key: string }
  /** This command is done: what it left open is rolled back, and a shared host lingers for the next. */
  | { readonly type: "close"; readonly id: number }
  /** Asked of a lingering host by a process that would open the folder itself: close now, if nobody else uses it. */
  | { readonly type: "shutdown"; readonly id: number };

export type HostReply =
  | { readonly type: "ready" }
  | { readonly type: "failed"; readonly error: SerializedError }
  | { readonly type: "done"; readonly id: number; readonly rows?: unknown[]; readonly rowCount?: number }
  | { readonly type: "error"; readonly id: number; readonly error: SerializedError };

/** An error as it crosses the channel: its message, name, and its own plain fields (code, detail, constraint…). */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly fields: Record<string, string | number | boolean | null>;
}

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error), fields: {} };
  const fields: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(error))
    if (value === null || ["string", "number", "boolean"].includes(typeof value))
      fields[key] = value as string | number | boolean | null;
  return { name: error.name, message: error.message, fields };
}
