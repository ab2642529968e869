import { entryHash, GENESIS_HASH, type LedgerEntry } from "./ledger-entry.js";
import type { Checkpoint } from "./checkpoint.js";

export type ChainProblemKind = "altered" | "removed" | "out-of-chain" | "truncated" | "unrecorded" | "rewritten";

/** The first thing wrong with a chain, named by the entry where it shows. */
export interface ChainProblem {
  readonly kind: ChainProblemKind;
  readonly seq: number;
  readonly message: string;
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly entries: number;
  /** The last entry that verified. */
  readonly lastGood: { readonly seq: number; readonly hash: string } | null;
  readonly problem: ChainProblem | null;
  /** Checkpoints the chain was held against (those at or below its end). */
  readonly checkpointsMatched: number;
}

/**
 * Walks a chain in order and stops at the first entry that breaks it: content that no longer
 * matches its hash (altered), a gap in the sequence (removed), or an entry that does not name its
 * predecessor's hash (inserted or reordered). `head` is what the database says the last entry is,
 * which catches entries removed from the end; `checkpoints`, kept outside the database, catch a
 * chain recomputed from scratch after the fact.
 */
export async function verifyChain(
  entries: AsyncIterable<LedgerEntry> | Iterable<LedgerEntry>,
  o: { head?: { seq: number; hash: string }; checkpoints?: readonly Checkpoint[] } = {},
): Promise<VerifyResult> {
  const expected = new Map<number, Checkpoint>();
  for (const c of o.checkpoints ?? []) expected.set(c.seq, c);
  let matched = 0;
  let count = 0;
  let prev = { seq: 0, hash: GENESIS_HASH };
  const fail = (problem: ChainProblem): VerifyResult => ({
    ok: false,
    entries: count,
    lastGood: prev.seq > 0 ? prev : null,
    problem,
    checkpointsMatched: matched,
  });

  for await (const e of entries) {
    if (e.seq !== prev.seq + 1) {
      return fail(
        e.seq > prev.seq + 1
          ? {
              kind: "removed",
              seq: prev.seq + 1,
              message: `entr${e.seq - prev.seq > 2 ? `ies ${prev.seq + 1}–${e.seq - 1} were` : `y ${prev.seq + 1} was`} removed: entry ${e.seq} follows entry ${prev.seq}`,
            }
          : {
              kind: "out-of-chain",
              seq: e.seq,
              message: `entry ${e.seq} appears after entry ${prev.seq}: the order was changed`,
            },
      );
    }
    if (entryHash(e) !== e.hash)
      return fail({
        kind: "altered",
        seq: e.seq,
        message: `entry ${e.seq} (${e.kind}) was altered: its content no longer matches its hash`,
      });
    if (e.prevHash !== prev.hash)
      return fail({
        kind: "out-of-chain",
        seq: e.seq,
        message: `entry ${e.seq} (${e.kind}) does not follow entry ${prev.seq}: it names another predecessor (an entry was inserted, replaced or reordered)`,
      });
    const checkpoint = expected.get(e.seq);
    if (checkpoint) {
      if (checkpoint.hash !== e.hash)
        return fail({
          kind: "rewritten",
          seq: e.seq,
          message: `entry ${e.seq} differs from the checkpoint taken at ${checkpoint.at}: the chain was rewritten since`,
        });
      matched++;
    }
    count++;
    prev = { seq: e.seq, hash: e.hash };
  }
  const beyond = [...expected.values()].filter((c) => c.seq > prev.seq).sort((a, b) => a.seq - b.seq)[0];
  if (beyond)
    return fail({
      kind: "truncated",
      seq: prev.seq + 1,
      message: `the checkpoint taken at ${beyond.at} records entry ${beyond.seq}, but the chain ends at entry ${prev.seq}: entries were removed from its end`,
    });
  if (o.head) {
    if (o.head.seq > prev.seq)
      return fail({
        kind: "truncated",
        seq: prev.seq + 1,
        message: `the chain head records entry ${o.head.seq}, but the chain ends at entry ${prev.seq}: entries were removed from its end`,
      });
    if (o.head.seq < prev.seq)
      return fail({
        kind: "unrecorded",
        seq: o.head.seq + 1,
        message: `entries after ${o.head.seq} were written around the chain head (it records ${o.head.seq}, the chain goes on to ${prev.seq})`,
      });
    if (o.head.hash !== prev.hash)
      return fail({
        kind: "altered",
        seq: prev.seq,
        message: `the chain head's hash does not match entry ${prev.seq}`,
      });
  }
  return { ok: true, entries: count, lastGood: prev.seq > 0 ? prev : null, problem: null, checkpointsMatched: matched };
}
