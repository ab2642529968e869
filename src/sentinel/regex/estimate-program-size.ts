/**
 * Roughly how many instructions RE2 will compile a pattern to, found without compiling it: the
 * size RE2's own parser computes for its size limit (one per literal character, class or
 * assertion, two per capture or star, and a counted repetition multiplies what it repeats).
 * Compiling a 4,000-character pattern of `\w{1000}` takes re2js a second, so a pattern far over
 * the cap is refused on this estimate, and only one near or under it is compiled and measured.
 *
 * Linear in the pattern, and never throws: syntax it does not know counts as one character each,
 * and a syntax error is left for the compiler to report.
 */
export function estimateProgramSize(source: string): number {
  return new SizeParser(source).parse();
}

/** Deeper nesting than this is refused by RE2 itself ("expression nests too deeply"). */
const MAX_DEPTH = 1000;

class SizeParser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly src: string) {}

  parse(): number {
    let size = this.alternation();
    // A stray `)` ends the top level early; count the rest too (RE2 will refuse the pattern).
    while (this.pos < this.src.length) {
      this.pos++;
      size += this.alternation();
    }
    return size;
  }

  private alternation(): number {
    let { size, single } = this.concatenation();
    let alternatives = 1;
    while (this.src[this.pos] === "|") {
      this.pos++;
      const next = this.concatenation();
      size += next.size;
      single &&= next.single;
      alternatives++;
    }
    // RE2 merges alternatives of one character or class each (`a|b|[0-9]`) into one class.
    if (single && alternatives > 1) return 1;
    return size + alternatives - 1;
  }

  /** The size, and whether the whole is one unrepeated character or class. */
  private concatenation(): { size: number; single: boolean } {
    let size = 0;
    let items = 0;
    let single = false;
    while (this.pos < this.src.length && this.src[this.pos] !== "|" && this.src[this.pos] !== ")") {
      const atom = this.atom();
      const afterAtom = this.pos;
      size += atom.fixed + this.quantified(atom.repeated);
      single = atom.rune && atom.fixed === 0 && this.pos === afterAtom;
      items++;
    }
    return { size, single: items === 1 && single };
  }

  private quantified(atom: number): number {
    let size = atom;
    for (;;) {
      const c = this.src[this.pos];
      if (c === "*") size = 2 + size;
      else if (c === "+" || c === "?") size = 1 + size;
      else if (c === "{") {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos, this.pos + 24));
        if (!m) return size;
        const min = Number(m[1]);
        const max = m[2] === undefined ? min : m[3] === "" ? -1 : Number(m[3]);
        size = max === -1 ? (min === 0 ? 2 + size : 1 + min * size) : max * size + Math.max(0, max - min);
        this.pos += m[0].length - 1;
      } else return size;
      this.pos++;
      if (this.src[this.pos] === "?") this.pos++;
    }
  }

  /**
   * One atom: `repeated` is what a following quantifier applies to, `fixed` what it does not
   * (`\Qabc\E*` repeats the `c` only); `rune` when it is one character or class.
   */
  private atom(): { fixed: number; repeated: number; rune: boolean } {
    const c = this.src[this.pos++] as string;
    if (c === "(") return { fixed: 0, repeated: this.group(), rune: false };
    if (c === "[") return { fixed: 0, repeated: this.charClass(), rune: true };
    if (c === "\\" && this.src[this.pos] === "Q") {
      const length = this.quoted();
      return { fixed: Math.max(0, length - 1), repeated: Math.min(1, length), rune: length === 1 };
    }
    if (c === "\\") return { fixed: 0, repeated: this.escape(), rune: true };
    return { fixed: 0, repeated: 1, rune: c !== "^" && c !== "$" };
  }

  /** `\Q…\E`: its length in characters. */
  private quoted(): number {
    this.pos++;
    const end = this.src.indexOf("\\E", this.pos);
    const length = (end < 0 ? this.src.length : end) - this.pos;
    this.pos = end < 0 ? this.src.length : end + 2;
    return length;
  }

  private group(): number {
    if (++this.depth > MAX_DEPTH) {
      this.pos = this.src.length;
      return Number.POSITIVE_INFINITY;
    }
    let capture = 2;
    if (this.src[this.pos] === "?") {
      const named = /^\?P?<[^>]*>/.exec(this.src.slice(this.pos, this.pos + 260));
      if (named) this.pos += named[0].length;
      else {
        const flags = /^\?[a-zA-Z-]*([:)])/.exec(this.src.slice(this.pos, this.pos + 16));
        capture = 0;
        if (flags) this.pos += flags[0].length;
        if (flags?.[1] === ")") {
          this.depth--;
          return 0;
        }
      }
    }
    const inner = this.alternation();
    if (this.src[this.pos] === ")") this.pos++;
    this.depth--;
    return capture + inner;
  }

  private charClass(): number {
    if (this.src[this.pos] === "^") this.pos++;
    if (this.src[this.pos] === "]") this.pos++;
    while (this.pos < this.src.length && this.src[this.pos] !== "]") {
      if (this.src[this.pos] === "\\") this.pos += 2;
      else if (this.src.startsWith("[:", this.pos)) {
        const end = this.src.indexOf(":]", this.pos + 2);
        this.pos = end < 0 ? this.pos + 1 : end + 2;
      } else this.pos++;
    }
    this.pos++;
    return 1;
  }

  private escape(): number {
    const e = this.src[this.pos++];
    if ((e === "p" || e === "P" || e === "x") && this.src[this.pos] === "{") {
      const end = this.src.indexOf("}", this.pos);
      this.pos = end < 0 ? this.src.length : end + 1;
    } else if (e === "p" || e === "P") this.pos++;
    else if (e === "x") this.pos += 2;
    return 1;
  }
}
