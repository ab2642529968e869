import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical-json.js";

/** One audit ledger entry as stored: its place in the chain, what happened, and the chain's hashes. */
export interface LedgerEntry {
  readonly seq: number;
  /** When it was written, to the millisecond (ISO 8601, UTC). */
  readonly at: string;
  readonly runId: string | null;
  readonly kind: string;
  readonly data: Record<string, unknown>;
  /** The previous entry's hash (GENESIS_HASH for the first). */
  readonly prevHash: string;
  /** sha256 over the canonical encoding of everything above. */
  readonly hash: string;
}

export const GENESIS_HASH = "0".repeat(64);
/** The encoding's version is part of what is hashed, so a future change cannot pass for this one. */
export const LEDGER_HASH_VERSION = 1;

export function entryHash(e: Omit<LedgerEntry, "hash">): string {
  const body = canonicalJson({
    v: LEDGER_HASH_VERSION,
    seq: e.seq,
    at: e.at,
    runId: e.runId,
    kind: e.kind,
    data: e.data,
    prev: e.prevHash,
  });
  return createHash("sha256").update(body).digest("hex");
}

/** A database row of the ledger table, as either driver returns it. */
export function entryFromRow(r: Record<string, unknown>): LedgerEntry {
  const at = r.at instanceof Date ? r.at.toISOString() : new Date(String(r.at)).toISOString();
  return {
    seq: Number(r.seq),
    at,
    runId: (r.run_id as string | null) ?? null,
    kind: String(r.kind),
    data: (typeof r.data === "string" ? JSON.parse(r.data) : r.data) as Record<string, unknown>,
    prevHash: String(r.prev_hash ?? ""),
    hash: String(r.hash ?? ""),
  };
}
