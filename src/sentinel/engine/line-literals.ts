import { FLAG_ESCAPE, FLAG_MASK, FLAG_NEWLINE, skipEscape, type Prefilter } from "./prefilter.js";
import { isStampAt, STAMP_BYTES, stampSkipEntry } from "./stamp-skip.js";

/**
 * Which of the prefilter's literals one line holds, as stamps (`present[id] === stamp`), so that
 * a rule's required literals can be checked before its pattern runs, without a set per line.
 * The line is either raw bytes (the scanner's candidate, before decoding) or a cleaned text.
 */
export class LineLiterals {
  private readonly present: Uint32Array;
  private stamp = 0;
  /** Literal ids found on the line, each once. */
  readonly found: number[] = [];
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

  /**
   * One bit per state offset / 8 (offsets are multiples of the stride, itself of 8): set when the
   * state reports literals. The walk reads it on every byte, between the rules' work on other
   * lines: as a bitset it is ~11 KB for the builtins and can stay in the CPU's cache, where the
   * array of state numbers it replaces (~365 KB) was more likely evicted between candidate lines.
   */
  private readonly reports: Uint32Array;
  /**
   * Where the walk lands after a GitHub timestamp at a raw line's start, having passed no state
   * that reports a literal (stamp-skip.ts), or -1. Stricter than the scanner's skip: this walk
   * records verify-only literals too.
   */
  private readonly stampEntry: number;

  constructor(private readonly pf: Prefilter) {
    this.present = new Uint32Array(pf.literals.length);
    const rows = pf.stride / 8;
    this.reports = new Uint32Array(Math.ceil((pf.stateCount * rows) / 32));
    pf.outputs.forEach((o, state) => {
      const bit = state * rows;
      if (o) this.reports[bit >>> 5]! |= 1 << (bit & 31);
    });
    this.stampEntry = stampSkipEntry(pf.delta, pf.classOf, FLAG_MASK, (entry) => {
      const bit = (entry & ~FLAG_MASK) >>> 3;
      return ((this.reports[bit >>> 5]! >>> (bit & 31)) & 1) === 1;
    });
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
    this.found.length = 0;
  }

  /** Records the literals of the state at table offset `offset` (one whose `reports` bit is set). */
  private mark(offset: number): void {
    const o = this.pf.outputs[offset / this.pf.stride];
    if (!o) return;
    for (const id of o) {
      if (this.present[id] === this.stamp) continue;
      this.present[id] = this.stamp;
      this.found.push(id);
    }
  }

  /** Reads raw bytes `[start, end)` of one line (no newline inside), seeing through ANSI escapes. */
  readBytes(bytes: Uint8Array, start: number, end: number): void {
    this.begin();
    this.text = undefined;
    this.sawEscape = false;
    const { delta, classOf } = this.pf;
    const { reports, stampEntry } = this;
    let s = 0;
    let i = start;
    // Jumped over, not walked: no state on the way reports a literal (see stampEntry).
    if (stampEntry >= 0 && end - start >= STAMP_BYTES && isStampAt(bytes, start)) {
      s = stampEntry;
      i += STAMP_BYTES;
    }
    for (; i < end; i++) {
      const n = delta[s + classOf[bytes[i]!]!]!;
      const flag = n & FLAG_MASK;
      if (flag === FLAG_ESCAPE) {
        this.sawEscape = true;
        i = skipEscape(bytes, i, end);
        continue;
      }
      s = flag === FLAG_NEWLINE ? 0 : n & ~FLAG_MASK;
      // (Verify literals end in unflagged states: look the state up either way.)
      const bit = s >>> 3;
      if ((reports[bit >>> 5]! >>> (bit & 31)) & 1) this.mark(s);
    }
    this.exact = false;
  }

  /** Reads a cleaned line: exactly what the rules see. */
  readText(text: string): void {
    this.begin();
    this.text = text;
    this.exact = true;
    const { delta, classOf } = this.pf;
    const { reports } = this;
    let s = 0;
    const step = (b: number) => {
      const n = delta[s + classOf[b]!]!;
      // A stray escape or newline byte resets the walk: no literal holds either.
      s = (n & FLAG_MASK) === FLAG_ESCAPE || (n & FLAG_MASK) === FLAG_NEWLINE ? 0 : n & ~FLAG_MASK;
      const bit = s >>> 3;
      if ((reports[bit >>> 5]! >>> (bit & 31)) & 1) this.mark(s);
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
