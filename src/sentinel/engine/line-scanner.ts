import { findFlaggedLines, RECORD_INTS, type WalkResult } from "./flagged-lines.js";
import type { Prefilter } from "./prefilter.js";
import { ScanWorker, type ScanTicket } from "./scan-pool.js";

/** A line the scanner hands over: `bytes[start, end)` without its newline, 1-based `number`. */
export type CandidateHandler = (bytes: Buffer, start: number, end: number, lineNumber: number) => void;

export interface ScannerOptions {
  /** Longer lines are cut here (the rest of the line is skipped) so memory stays bounded. */
  readonly maxLineBytes: number;
  /** Reading stops after this many bytes; the diagnosis says it was truncated. */
  readonly maxBytes: number;
  /**
   * From this many bytes read on, a worker thread walks each chunk one chunk ahead (scan-pool.ts).
   * Default 4 MiB: below that the thread's start-up costs more than it saves. Infinity: never.
   */
  readonly workerAfterBytes?: number;
  /** Wait for the worker to start rather than walk chunks here meanwhile (tests: so that it is used). */
  readonly awaitWorker?: boolean;
}

/** The largest chunk (with the line carried over from the one before) a worker walks. */
const WORKER_SLOT_BYTES = 1024 * 1024;
const WORKER_AFTER_BYTES = 4 * 1024 * 1024;

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
  /**
   * The literals of the line being handed over, read already from its resume point by the worker
   * (report-walk.ts): reporting states `resumeReports[reportsAt, reportsAt + reportsCount)`, and
   * whether the walk met an escape. Null: read them yourself.
   */
  resumeReports: Int32Array | null = null;
  reportsAt = 0;
  reportsCount = 0;
  reportsEscape = false;
  /** The byte walk's records (flagged-lines.ts), reused from chunk to chunk. */
  private readonly records = new Int32Array(1024 * RECORD_INTS);
  private readonly walk: WalkResult = { records: 0, lines: 0, stoppedAt: 0 };
  /** The worker walking chunks ahead; null once it cannot (or need not), undefined until tried. */
  private worker: ScanWorker | null | undefined = undefined;
  /** The chunk the worker walks while the lines of the one before are handed over. */
  private pending: { readonly limit: number; readonly ticket: ScanTicket } | null = null;
  /** Chunks whose walk a worker did (for tests and figures). */
  workerChunks = 0;

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
    this.closeWorker();
  }

  write(chunk: Buffer): void {
    if (this.truncated || this.stopped) return;
    if (this.bytesRead + chunk.length > this.options.maxBytes) {
      chunk = chunk.subarray(0, this.options.maxBytes - this.bytesRead);
      this.truncated = true;
    }
    this.bytesRead += chunk.length;
    if (this.discarding) {
      this.flush();
      const nl = chunk.indexOf(NEWLINE);
      if (nl < 0) return;
      this.discarding = false;
      this.lineNumber++;
      chunk = chunk.subarray(nl + 1);
    }
    const carry = this.carry;
    this.carry = null;
    const lastNl = chunk.lastIndexOf(NEWLINE);
    if (lastNl < 0) {
      this.keepPartial(carry ? Buffer.concat([carry, chunk]) : chunk);
      return;
    }
    this.scanWhole(carry, chunk, lastNl + 1);
    if (lastNl + 1 < chunk.length) this.keepPartial(chunk.subarray(lastNl + 1));
  }

  end(): void {
    if (!this.stopped) {
      this.flush();
      if (this.carry && this.carry.length > 0) {
        const buf = Buffer.concat([this.carry, Buffer.from("\n")]);
        this.carry = null;
        this.scan(buf, buf.length);
      }
    }
    this.closeWorker();
  }

  /**
   * Whole lines: `carry` (a line's head from the chunk before) then `chunk[0, end)`. Handed to the
   * worker when one runs (copied into its slot part by part, not joined here first), else walked here.
   */
  private scanWhole(carry: Buffer | null, chunk: Buffer, end: number): void {
    const limit = (carry?.length ?? 0) + end;
    const ticket = this.workerFor()?.submit(carry, chunk, limit) ?? null;
    // The chunk before is handed over while the worker walks this one.
    this.flush();
    if (ticket) {
      this.pending = { limit, ticket };
      return;
    }
    const buf = carry ? Buffer.concat([carry, chunk.subarray(0, end)]) : chunk;
    this.scan(buf, limit);
    this.keepTail(buf.subarray(0, limit));
  }

  private workerFor(): ScanWorker | null {
    if (this.worker === undefined && this.bytesRead >= (this.options.workerAfterBytes ?? WORKER_AFTER_BYTES)) {
      this.worker = ScanWorker.start(this.pf, WORKER_SLOT_BYTES);
      if (this.options.awaitWorker) this.worker?.awaitReady(30_000);
    }
    return this.worker ?? null;
  }

  /** Hands over the lines of the chunk the worker walked, or walks it here if the worker failed. */
  private flush(): void {
    const pending = this.pending;
    if (!pending || !this.worker) return;
    this.pending = null;
    // The worker's copy: the caller's buffer is the caller's again once `write` returns.
    const buf = this.worker.bytes(pending.ticket).subarray(0, pending.limit);
    const walked = this.worker.wait(pending.ticket);
    if (walked) {
      this.workerChunks++;
      this.handOver(buf, 0, walked.stoppedAt, walked.records, walked.count, walked.lines, walked.reports);
    }
    this.scan(buf, pending.limit, walked ? walked.stoppedAt : 0);
    this.keepTail(buf);
  }

  private closeWorker(): void {
    this.pending = null;
    this.worker?.close();
    this.worker = null;
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
    this.flush();
    const head = Buffer.concat([part.subarray(0, this.options.maxLineBytes), Buffer.from("\n")]);
    this.scan(head, head.length);
    this.discarding = true;
    this.lineNumber--;
  }

  private scan(buf: Buffer, limit: number, start = 0): void {
    let from = start;
    while (from < limit && !this.stopped) {
      findFlaggedLines(this.pf, buf, from, limit, this.records, this.walk);
      const { records, lines, stoppedAt } = this.walk;
      this.handOver(buf, from, stoppedAt, this.records, records, lines);
      from = stoppedAt;
    }
  }

  /**
   * Hands over the lines of `buf[from, to)` that the walk's records say hold a literal, in order,
   * and the lines a handler asked to see (`forceNext`) whatever they hold.
   */
  private handOver(
    buf: Buffer,
    from: number,
    to: number,
    out: Int32Array,
    records: number,
    lines: number,
    reports: Int32Array | null = null,
  ): void {
    const base = this.lineNumber;
    let line = base;
    let pos = from;
    let r = 0;
    while (!this.stopped) {
      if (this.forceNext > 0 && pos < to) {
        this.forceNext--;
        // Its record, if the walk made one, is used up here.
        while (r < records && base + out[r * RECORD_INTS]! < line) r++;
        const recorded = r < records && base + out[r * RECORD_INTS]! === line;
        const nl = recorded ? out[r++ * RECORD_INTS + 2]! : buf.indexOf(NEWLINE, pos);
        this.resumeReports = null;
        this.hand(buf, line, pos, nl, pos, 0);
        line++;
        pos = nl + 1;
        continue;
      }
      if (r >= records) break;
      const o = r++ * RECORD_INTS;
      const at = base + out[o]!;
      if (at < line) continue;
      const start = out[o + 1]!;
      const end = out[o + 2]!;
      const trigger = out[o + 3]!;
      const follow = out[o + 5]!;
      // A follow-up literal counts only on the line right after one handed over.
      const byFollow = follow >= 0 && at === this.lastEmitted + 1 && (trigger < 0 || follow < trigger);
      if (!byFollow && trigger < 0) continue;
      const flagAt = byFollow ? follow : trigger;
      const state = byFollow ? out[o + 6]! : out[o + 4]!;
      // The worker read the literals from the trigger's resume point.
      this.resumeReports = !byFollow && reports && out[o + 7]! >= 0 ? reports : null;
      if (this.resumeReports) {
        this.reportsAt = out[o + 7]!;
        this.reportsCount = out[o + 8]!;
        this.reportsEscape = out[o + 9] === 1;
      }
      this.hand(buf, at, start, end, state >= 0 ? flagAt : start, state >= 0 ? state : 0);
      line = at + 1;
      pos = end + 1;
    }
    this.lineNumber = this.stopped ? line : base + lines;
  }

  private hand(buf: Buffer, line: number, start: number, nl: number, resumeAt: number, resumeState: number): void {
    this.lineNumber = line;
    this.resumeAt = resumeAt;
    this.resumeState = resumeState;
    this.emit(buf, start, nl);
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
