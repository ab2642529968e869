import { ENTRY_BITS, FLAG_ESCAPE, FLAG_MASK, FLAG_NEWLINE, FLAG_REPORT, skipEscape } from "./prefilter.js";
import { isStampAt, STAMP_BYTES } from "./stamp-skip.js";

/** The prefilter's tables the byte walks read: plain typed arrays, so a worker can hold them too. */
export interface ScanTables {
  readonly delta: Int32Array;
  readonly classOf: Uint8Array;
  readonly stampEntry: number;
}

/** What one walk over a line found: how many reporting states it wrote, and whether it met an escape. */
export interface ReportWalk {
  count: number;
  escape: boolean;
}

/**
 * Walks raw bytes `[start, end)` of one line (no newline inside), seeing through ANSI escapes, and
 * writes to `out` from `at` the table offset of each state entered with FLAG_REPORT (its literals
 * are the line's: line-literals.ts marks them). `out` needs room for `end - from` offsets. `from`
 * and `state` resume a walk whose part before `from` reported nothing and met no escape (the
 * scanner's resume point): the line's head is not walked again. A pure function of the tables, so
 * that the scan's worker thread can do it for the rules' thread.
 */
export function walkReports(
  t: ScanTables,
  bytes: Uint8Array,
  start: number,
  end: number,
  from: number,
  state: number,
  out: Int32Array,
  at: number,
  result: ReportWalk,
): void {
  const { delta, classOf, stampEntry } = t;
  let s = state;
  let i = from;
  let n = at;
  let escape = false;
  // Jumped over, not walked: no state on the way reports a literal (prefilter.ts).
  if (i === start && stampEntry >= 0 && end - start >= STAMP_BYTES && isStampAt(bytes, start)) {
    s = stampEntry;
    i += STAMP_BYTES;
  }
  for (; i < end; i++) {
    const next = delta[s + classOf[bytes[i]!]!]!;
    // As in the scan: one test per byte for the states with nothing to say.
    if ((next & ENTRY_BITS) === 0) {
      s = next;
      continue;
    }
    const flag = next & FLAG_MASK;
    if (flag === FLAG_ESCAPE) {
      escape = true;
      i = skipEscape(bytes, i, end);
      continue;
    }
    s = flag === FLAG_NEWLINE ? 0 : next & ~ENTRY_BITS;
    if (next & FLAG_REPORT) out[n++] = s;
  }
  result.count = n - at;
  result.escape = escape;
}
