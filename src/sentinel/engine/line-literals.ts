import { ENTRY_BITS, FLAG_ESCAPE, FLAG_MASK, FLAG_NEWLINE, FLAG_REPORT, type Prefilter } from "./prefilter.js";
import { walkReports, type ReportWalk } from "./report-walk.js";

/** Where a line's literals can be read from, or the reading done already (line-scanner.ts). */
export interface ResumePoint {
  readonly resumeAt: number;
  readonly resumeState: number;
  readonly resumeReports: Int32Array | null;
  readonly reportsAt?: number;
  readonly reportsCount?: number;
  readonly reportsEscape?: boolean;
}

/**
 * Which of the prefilter's literals one line holds, as stamps (`present[id] === stamp`), so that
 * a rule's required literals can be checked before its pattern runs, without a set per line.
 * The line is either raw bytes (the scanner's candidate, before decoding) or a cleaned text.
 */
export class LineLiterals {
  private readonly present: Uint32Array;
  private stamp = 0;
  /**
   * Literal ids found on the line, each once: `ids[0, count)`. (Entries past `count` are left
   * from earlier lines: emptying an array calls into V8's runtime, once per line read.)
   */
  readonly ids: number[] = [];
  count = 0;
  /** The cleaned text the stamps describe; undefined while they describe raw bytes. */
  text: string | undefined = undefined;
  /**
   * The stamps describe exactly the text the rules will see. Raw bytes can miss a literal that
   * cleaning creates by joining text around what it removes (a colour code, a GitLab section
   * marker), so only the absence of such things makes raw bytes exact enough to rule a pattern out.
   */
  exact = false;
  /** The raw line held an escape byte. */
  sawEscape = false;
  private scratch = new Int32Array(256);
  private readonly walk: ReportWalk = { count: 0, escape: false };

  constructor(private readonly pf: Prefilter) {
    this.present = new Uint32Array(pf.literals.length);
  }

  /** The literal ids found on the line, each once (a copy). */
  get found(): number[] {
    return this.ids.slice(0, this.count);
  }

  has(id: number): boolean {
    return this.present[id] === this.stamp;
  }

  /** Whether the line holds one literal of each clause (lists of literal ids). */
  holdsAll(clauses: readonly (readonly number[])[]): boolean {
    for (const clause of clauses) {
      let any = false;
      for (const id of clause) {
        if (this.present[id] === this.stamp) {
          any = true;
          break;
        }
      }
      if (!any) return false;
    }
    return true;
  }

  private begin(): void {
    if (++this.stamp === 0xffffffff) {
      this.present.fill(0);
      this.stamp = 1;
    }
    this.count = 0;
  }

  /** Records the literals of the state at table offset `offset` (one entered with FLAG_REPORT). */
  private mark(offset: number): void {
    const o = this.pf.outputs[offset / this.pf.stride];
    if (!o) return;
    for (const id of o) {
      if (this.present[id] === this.stamp) continue;
      this.present[id] = this.stamp;
      this.ids[this.count++] = id;
    }
  }

  /**
   * Reads raw bytes `[start, end)` of one line (no newline inside), seeing through ANSI escapes.
   * `from` and `state` resume a walk whose part before `from` reported nothing and met no escape
   * (the scanner's `resumeAt`): the line's head is not walked again.
   */
  readBytes(bytes: Uint8Array, start: number, end: number, from = start, state = 0): void {
    if (this.scratch.length < end - from) this.scratch = new Int32Array(Math.max(end - from, 2 * this.scratch.length));
    walkReports(this.pf, bytes, start, end, from, state, this.scratch, 0, this.walk);
    this.readReports(this.scratch, 0, this.walk.count, this.walk.escape);
  }

  /**
   * Takes a walk over raw bytes done already (report-walk.ts, on the scan's worker thread): the
   * table offsets of its reporting states `reports[at, at + count)`, and whether it met an escape.
   */
  readReports(reports: Int32Array, at: number, count: number, escape: boolean): void {
    this.begin();
    this.text = undefined;
    this.sawEscape = escape;
    for (let i = at; i < at + count; i++) this.mark(reports[i]!);
    this.exact = false;
  }

  /** Reads a cleaned line: exactly what the rules see. */
  readText(text: string): void {
    this.begin();
    this.text = text;
    this.exact = true;
    const { delta, classOf } = this.pf;
    let s = 0;
    const step = (b: number) => {
      const n = delta[s + classOf[b]!]!;
      // A stray escape or newline byte resets the walk: no literal holds either.
      s = (n & FLAG_MASK) === FLAG_ESCAPE || (n & FLAG_MASK) === FLAG_NEWLINE ? 0 : n & ~ENTRY_BITS;
      if (n & FLAG_REPORT) this.mark(s);
    };
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c < 0x80) {
        step(c);
        continue;
      }
      // UTF-8, as the literals are stored (a lone surrogate as U+FFFD, as Buffer writes it).
      if (c >= 0xd800 && c <= 0xdfff) {
        const lo = c <= 0xdbff && i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
          i++;
        } else c = 0xfffd;
      }
      if (c < 0x800) {
        step(0xc0 | (c >> 6));
      } else if (c < 0x10000) {
        step(0xe0 | (c >> 12));
        step(0x80 | ((c >> 6) & 0x3f));
      } else {
        step(0xf0 | (c >> 18));
        step(0x80 | ((c >> 12) & 0x3f));
        step(0x80 | ((c >> 6) & 0x3f));
      }
      step(0x80 | (c & 0x3f));
    }
  }
}
