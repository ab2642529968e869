import { ENTRY_BITS, FLAG_ESCAPE, FLAG_FOLLOW, FLAG_MASK, FLAG_NEWLINE, FLAG_NONE, skipEscape } from "./prefilter.js";
import { walkReports, type ReportWalk, type ScanTables } from "./report-walk.js";
import { isStampAt, STAMP_BYTES } from "./stamp-skip.js";

/**
 * Ints per record of a flagged line: its line (counted from the walk's first), its start, its
 * newline, then where a trigger literal flagged it and the automaton's state there, then the same
 * for the first follow-up literal. -1 for a position: none; -1 for a state: something before the
 * position (a report, an escape, a follow-up literal passed over) means reading its literals must
 * start at the line's start. Then, when the walk was asked to, the line's literals as read from
 * the trigger's resume point (report-walk.ts): where its reports start in `reports`, how many,
 * and whether it met an escape (1); -1 where not read.
 */
export const RECORD_INTS = 10;

/** Where a walk also writes each trigger line's reporting states (report-walk.ts); `used` grows. */
export interface ReportsOut {
  readonly out: Int32Array;
  used: number;
}

/** What one walk found: records written, lines passed, and where it stopped (a line's start). */
export interface WalkResult {
  records: number;
  lines: number;
  stoppedAt: number;
}

const NEWLINE = 10;
const walked: ReportWalk = { count: 0, escape: false };

/**
 * Walks whole lines `buf[from, limit)` (`limit` follows a newline) through the prefilter and
 * records each line holding a trigger or a follow-up literal, stopping early, at a line's start,
 * when `out` is full. Which of them to hand over depends on the lines handed over before (a
 * follow-up literal counts only right after one, and a handler may ask for the next lines
 * whatever they hold): the scanner decides that as it reads the records, so this walk needs no
 * state but the tables, and may run ahead of it, on another thread.
 */
export function findFlaggedLines(
  t: ScanTables,
  buf: Uint8Array,
  from: number,
  limit: number,
  out: Int32Array,
  result: WalkResult,
  reports: ReportsOut | null = null,
): void {
  const { delta, classOf, stampEntry } = t;
  const capacity = Math.floor(out.length / RECORD_INTS);
  let records = 0;
  let line = 0;
  let i = from;
  let lineStart = from;
  let s = 0;
  // Whether the walk since the line's start passed only states with nothing to say.
  let plain = true;
  let follow = -1;
  let followState = -1;
  // (No closures here: a variable one captures lives on the heap, and `i` and `s` are the hot loop.)
  if (stampEntry >= 0 && i + STAMP_BYTES <= limit && isStampAt(buf, i)) {
    s = stampEntry;
    i += STAMP_BYTES;
  }
  while (i < limit && records < capacity) {
    let n = delta[s + classOf[buf[i]!]!]!;
    // The hot loop: two table reads and one test per byte until a byte needs a look.
    while ((n & ENTRY_BITS) === 0 && ++i < limit) {
      s = n;
      n = delta[n + classOf[buf[i]!]!]!;
    }
    if (i >= limit) break;
    const f = n & FLAG_MASK;
    if (f === FLAG_NONE) {
      // A state reporting only literals the scanner does not act on (see FLAG_REPORT).
      s = n & ~ENTRY_BITS;
      i++;
      plain = false;
      continue;
    }
    if (f === FLAG_NEWLINE) {
      if (follow >= 0) writeRecord(out, records++, line, lineStart, i, -1, -1, follow, followState);
      follow = -1;
      line++;
      i++;
      lineStart = i;
      s = 0;
      plain = true;
      // A GitHub timestamp: its shape is checked instead of walked (stamp-skip.ts says why that
      // lands where the walk would, having passed no flagged state). It holds no newline, so it
      // ends before `limit`, which follows one.
      if (stampEntry >= 0 && i + STAMP_BYTES <= limit && isStampAt(buf, i)) {
        s = stampEntry;
        i += STAMP_BYTES;
      }
      continue;
    }
    if (f === FLAG_ESCAPE) {
      i = skipEscape(buf, i, limit) + 1;
      plain = false;
      continue;
    }
    if (f === FLAG_FOLLOW) {
      if (follow < 0) {
        follow = i;
        followState = plain ? s : -1;
      }
      s = n & ~ENTRY_BITS;
      i++;
      plain = false;
      continue;
    }
    // A trigger: the line is recorded and the rest of it not walked.
    const nl = buf.indexOf(NEWLINE, i);
    writeRecord(out, records, line, lineStart, nl, i, plain ? s : -1, follow, followState);
    if (reports) {
      // (The caller's slot has room: a line reports at most once per byte walked.)
      walkReports(t, buf, lineStart, nl, plain ? i : lineStart, plain ? s : 0, reports.out, reports.used, walked);
      const o = records * RECORD_INTS;
      out[o + 7] = reports.used;
      out[o + 8] = walked.count;
      out[o + 9] = walked.escape ? 1 : 0;
      reports.used += walked.count;
    }
    records++;
    follow = -1;
    line++;
    i = lineStart = nl + 1;
    s = 0;
    plain = true;
    if (stampEntry >= 0 && i + STAMP_BYTES <= limit && isStampAt(buf, i)) {
      s = stampEntry;
      i += STAMP_BYTES;
    }
  }
  result.records = records;
  result.lines = line;
  // Stopped early only at a line's start (a record is written with the walk past its line).
  result.stoppedAt = i >= limit ? limit : lineStart;
}

// prettier-ignore
function writeRecord(
  out: Int32Array, index: number, line: number, start: number, end: number,
  at: number, state: number, follow: number, followState: number,
): void {
  const o = index * RECORD_INTS;
  out[o] = line;
  out[o + 1] = start;
  out[o + 2] = end;
  out[o + 3] = at;
  out[o + 4] = state;
  out[o + 5] = follow;
  out[o + 6] = followState;
  out[o + 7] = -1;
}
