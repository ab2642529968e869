import {
  ENTRY_BITS,
  FLAG_ESCAPE,
  FLAG_FOLLOW,
  FLAG_MASK,
  FLAG_NEWLINE,
  FLAG_NONE,
  skipEscape,
  type Prefilter,
} from "./prefilter.js";
import { isStampAt, STAMP_BYTES } from "./stamp-skip.js";

/** A line the scanner hands over: `bytes[start, end)` without its newline, 1-based `number`. */
export type CandidateHandler = (bytes: Buffer, start: number, end: number, lineNumber: number) => void;

export interface ScannerOptions {
  /** Longer lines are cut here (the rest of the line is skipped) so memory stays bounded. */
  readonly maxLineBytes: number;
  /** Reading stops after this many bytes; the diagnosis says it was truncated. */
  readonly maxBytes: number;
}

const NEWLINE = 10;
const TAIL_BYTES = 8192;

/**
 * Streams bytes through the prefilter automaton and calls back only for lines that contain a
 * literal some rule needs (or that the classifier asked to see). Everything else costs two table
 * lookups per byte (its class, then the next state): no decoding, no splitting, no allocation.
 */
export class LineScanner {
  private carry: Buffer | null = null;
  private discarding = false;
  private lineNumber = 1;
  private prevBuf: Buffer | null = null;
  private current: { buf: Buffer; lineStart: number } | null = null;
  /** Set by the handler to see the next line whatever it contains. */
  forceNext = 0;
  bytesRead = 0;
  truncated = false;
  /** Set by `stop()`: nothing more is read, whatever is written. */
  private stopped = false;
  candidateLines = 0;
  /** The last line handed to the handler (0: none yet), for follow-up literals. */
  private lastEmitted = 0;
  /**
   * Where the literals of the line being handed over can be read from without missing one: the
   * byte that flagged it and the automaton's state before it, when the walk to there passed no
   * state that reports, no escape and no follow-up literal; else the line's start in state 0.
   * Readers start there rather than walk the line's head a second time.
   */
  resumeAt = 0;
  resumeState = 0;

  constructor(
    private readonly pf: Prefilter,
    private readonly options: ScannerOptions,
    private readonly onCandidate: CandidateHandler,
  ) {}

  get linesSeen(): number {
    return this.lineNumber - 1;
  }

  /** Stops reading for good, from within a handler too: the rest of the current chunk is skipped. */
  stop(): void {
    this.stopped = true;
  }

  write(chunk: Buffer): void {
    if (this.truncated || this.stopped) return;
    if (this.bytesRead + chunk.length > this.options.maxBytes) {
      chunk = chunk.subarray(0, this.options.maxBytes - this.bytesRead);
      this.truncated = true;
    }
    this.bytesRead += chunk.length;
    if (this.discarding) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl < 0) return;
      this.discarding = false;
      this.lineNumber++;
      chunk = chunk.subarray(nl + 1);
    }
    const buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = null;
    const lastNl = buf.lastIndexOf(NEWLINE);
    if (lastNl < 0) {
      this.keepPartial(buf);
      return;
    }
    this.scan(buf, lastNl + 1);
    this.keepTail(buf.subarray(0, lastNl + 1));
    if (lastNl + 1 < buf.length) this.keepPartial(buf.subarray(lastNl + 1));
  }

  end(): void {
    if (this.stopped) return;
    if (this.carry && this.carry.length > 0) {
      const buf = Buffer.concat([this.carry, Buffer.from("\n")]);
      this.carry = null;
      this.scan(buf, buf.length);
    }
  }

  /** Keeps the last few KiB of whole lines, for context and look-back across chunk seams. */
  private keepTail(whole: Buffer): void {
    const joined = whole.length >= TAIL_BYTES || !this.prevBuf ? whole : Buffer.concat([this.prevBuf, whole]);
    if (joined.length <= TAIL_BYTES) {
      this.prevBuf = joined === whole ? Buffer.from(whole) : joined;
      return;
    }
    const cut = joined.indexOf(NEWLINE, joined.length - TAIL_BYTES - 1) + 1;
    this.prevBuf = Buffer.from(joined.subarray(cut));
  }

  private keepPartial(part: Buffer): void {
    if (part.length <= this.options.maxLineBytes) {
      this.carry = part;
      return;
    }
    // An endless line: classify its head, drop the rest up to the next newline.
    const head = Buffer.concat([part.subarray(0, this.options.maxLineBytes), Buffer.from("\n")]);
    this.scan(head, head.length);
    this.discarding = true;
    this.lineNumber--;
  }

  private scan(buf: Buffer, limit: number): void {
    if (this.stopped) return;
    const { delta, classOf, stampEntry } = this.pf;
    let s = 0;
    let i = 0;
    let lineStart = 0;
    let line = this.lineNumber;
    // Whether the walk since the line's start passed only states with nothing to say (resumeAt).
    let plain = true;
    while (i < limit) {
      if (this.forceNext > 0) {
        this.forceNext--;
        const nl = buf.indexOf(NEWLINE, i);
        this.lineNumber = line;
        this.resumeAt = lineStart;
        this.resumeState = 0;
        this.emit(buf, lineStart, nl);
        line++;
        i = lineStart = nl + 1;
        s = 0;
        plain = true;
        if (this.stopped) break;
        continue;
      }
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
        line++;
        i++;
        lineStart = i;
        s = 0;
        plain = true;
        // A GitHub timestamp: its shape is checked instead of walked (stamp-skip.ts says why
        // that lands where the walk would, having passed no flagged state). The stamp holds no
        // newline, so it ends before `limit`, which follows one.
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
      if (f === FLAG_FOLLOW && line !== this.lastEmitted + 1) {
        s = n & ~ENTRY_BITS;
        i++;
        plain = false;
        continue;
      }
      const nl = buf.indexOf(NEWLINE, i);
      this.lineNumber = line;
      // (The stamp jump at the line's start left `s` where the walk would have.)
      this.resumeAt = plain ? i : lineStart;
      this.resumeState = plain ? s : 0;
      this.emit(buf, lineStart, nl);
      line++;
      i = lineStart = nl + 1;
      s = 0;
      plain = true;
      // Only on the candidate path: the byte loop above stays one table read and one test.
      if (this.stopped) break;
    }
    this.lineNumber = line;
  }

  private emit(buf: Buffer, start: number, nl: number): void {
    const end = Math.min(nl, start + this.options.maxLineBytes);
    this.candidateLines++;
    this.lastEmitted = this.lineNumber;
    this.current = { buf, lineStart: start };
    this.onCandidate(buf, start, end, this.lineNumber);
    this.current = null;
  }

  /** Up to `n` raw lines before the current candidate, oldest first (only during a callback). */
  linesBefore(n: number): string[] {
    const out: string[] = [];
    const cur = this.current;
    if (!cur) return out;
    let end = cur.lineStart - 1;
    let buf: Buffer | null = cur.buf;
    while (out.length < n && buf) {
      if (end < 0) {
        if (buf === this.prevBuf || !this.prevBuf) break;
        buf = this.prevBuf;
        end = buf.length - 1;
        continue;
      }
      const start = buf.lastIndexOf(NEWLINE, end - 1) + 1;
      out.unshift(buf.toString("utf8", start, Math.min(end, start + this.options.maxLineBytes)));
      end = start - 1;
    }
    return out;
  }
}
