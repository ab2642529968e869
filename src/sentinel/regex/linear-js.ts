/**
 * re2js runs every pattern in linear time, but slowly: a catch-all like `^([^\s].*)$` costs it
 * 10-20 µs on an ordinary line, and multi-line problem matchers try such patterns on many lines.
 * V8's own engine backtracks, so it may only take a pattern whose backtracking is provably
 * linear and whose meaning is provably the same as RE2's. This module recognises that subset
 * and translates it; anything else (or anything it is unsure of) gets null and stays on re2js.
 *
 * The subset, in RE2 syntax, case-sensitive only:
 * - characters of the Basic Multilingual Plane, `.`, classes without POSIX names, `\d \w \s`
 *   and their negations, `\b`, `\t \n \r \f \v`, escaped punctuation;
 * - groups `( )`, `(?: )`, `(?P<n> )`, `(?<n> )`; alternation; `^` only first, `$` only last;
 * - at most one unbounded repeat (`*`, `+`, `{n,}`), of a single character, class or `.`, and
 *   then the pattern must start with `^` and have no top-level `|`, so there is one place a
 *   match can start and each count of that repeat is tried once;
 * - bounded repeats of a single character or class, or `?` / `{n,m}` (m ≤ 10) of a group with
 *   no repeat or alternation inside; the ways through all alternations and optional parts
 *   together at most MAX_WAYS.
 *
 * Translation: `u` mode (code points, as RE2 reads a string), `.` as `[^\n]` and `\s` as
 * `[\t\n\f\r ]` (RE2's, where JavaScript's are wider), named groups as `(?<n>`. Both engines pick
 * the submatches a backtracking search finds first, so the groups agree too.
 */

/** How many ways through the pattern's alternations and optional parts may multiply to. */
const MAX_WAYS = 16;
const MAX_SOURCE = 400;
/** RE2's limit on a repeat count. */
const MAX_REPEAT = 1000;
const SPACE_CLASS = "\\t\\n\\f\\r ";
const SYNTAX = new Set([..."^$\\.*+?()[]{}|/"]);

class Unsupported extends Error {}

interface Piece {
  /** JavaScript source for the piece. */
  readonly js: string;
  /** A single character, class or `.` (can take any repeat). */
  readonly single: boolean;
  /** Holds a repeat or an alternation. */
  readonly complex: boolean;
  /**
   * Can match the empty string. Such a piece takes no repeat: JavaScript refuses an empty
   * iteration where RE2 takes it (`()?` on "" gives group 1 undefined in one and "" in the other).
   */
  readonly nullable: boolean;
}

interface Sequence {
  readonly js: string;
  readonly nullable: boolean;
}

/** A JavaScript RegExp that behaves exactly as RE2 does on `source`, or null when that is not certain. */
export function toLinearJs(source: string, ignoreCase: boolean): RegExp | null {
  if (ignoreCase || source.length > MAX_SOURCE) return null;
  try {
    const t = new Translator(source);
    const js = t.translate();
    return new RegExp(js, "u");
  } catch (error) {
    if (error instanceof Unsupported || error instanceof SyntaxError) return null;
    throw error;
  }
}

class Translator {
  private pos = 0;
  private unbounded = 0;
  private ways = 1;
  private depth = 0;
  private topLevelBar = false;
  /** Repeats read so far (any kind). */
  private repeats = 0;

  constructor(private readonly src: string) {}

  translate(): string {
    const anchored = this.src.startsWith("^");
    if (anchored) this.pos = 1;
    const body = this.alternation().js;
    if (this.pos !== this.src.length) throw new Unsupported();
    if (this.unbounded > 1) throw new Unsupported();
    if (this.unbounded === 1 && (!anchored || this.topLevelBar)) throw new Unsupported();
    if (this.ways > MAX_WAYS) throw new Unsupported();
    return (anchored ? "^" : "") + body;
  }

  private alternation(): Sequence {
    const alts = [this.concatenation()];
    while (this.src[this.pos] === "|") {
      this.pos++;
      if (this.depth === 0) this.topLevelBar = true;
      alts.push(this.concatenation());
    }
    this.ways *= alts.length;
    if (alts.length > 1) this.repeats++;
    return { js: alts.map((a) => a.js).join("|"), nullable: alts.some((a) => a.nullable) };
  }

  private concatenation(): Sequence {
    let out = "";
    let nullable = true;
    while (this.pos < this.src.length && this.src[this.pos] !== "|" && this.src[this.pos] !== ")") {
      if (this.src[this.pos] === "$") {
        // Only as the very last character of the whole pattern.
        if (this.pos !== this.src.length - 1 || this.depth !== 0) throw new Unsupported();
        this.pos++;
        out += "$";
        continue;
      }
      const piece = this.atom();
      const q = this.quantified(piece);
      out += q.js;
      nullable &&= q.nullable;
    }
    return { js: out, nullable };
  }

  private quantified(piece: Piece): Sequence {
    const c = this.src[this.pos];
    let min: number;
    let max: number;
    let text: string;
    if (c === "*" || c === "+" || c === "?") {
      [min, max] = c === "*" ? [0, Infinity] : c === "+" ? [1, Infinity] : [0, 1];
      text = c;
      this.pos++;
    } else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
      // A `{` that starts no repeat is the next atom, a literal.
      if (!m) return piece;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
      if (min > MAX_REPEAT || (Number.isFinite(max) && (max > MAX_REPEAT || max < min))) throw new Unsupported();
      text = m[0];
      this.pos += m[0].length;
    } else return piece;
    if (piece.nullable) throw new Unsupported();
    this.repeats++;
    if (this.src[this.pos] === "?") {
      text += "?";
      this.pos++;
    }
    // A repeat of a repeat: RE2 refuses `**`, and it is not worth telling the legal ones apart.
    const next = this.src[this.pos];
    if (next !== undefined && "*+?{".includes(next)) throw new Unsupported();
    if (!Number.isFinite(max)) {
      if (!piece.single) throw new Unsupported();
      this.unbounded++;
    } else if (!piece.single) {
      if (piece.complex || max > 10) throw new Unsupported();
      this.ways *= max - min + 1;
    } else if (min !== max) this.ways *= Math.min(max - min + 1, MAX_WAYS + 1);
    return { js: piece.js + text, nullable: min === 0 };
  }

  private atom(): Piece {
    const c = this.src[this.pos]!;
    const code = c.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdfff) throw new Unsupported();
    this.pos++;
    switch (c) {
      case "(":
        return this.group();
      case "[":
        return { js: this.charClass(), single: true, complex: false, nullable: false };
      case ".":
        return { js: "[^\\n]", single: true, complex: false, nullable: false };
      case "\\":
        return this.escape();
      case "^":
      case "*":
      case "+":
      case "?":
        throw new Unsupported();
      case "{":
        // RE2 reads a `{` that starts no repeat as itself; `u` mode needs it escaped.
        return { js: "\\{", single: true, complex: false, nullable: false };
      case "}":
      case "]":
      case "/":
        return { js: "\\" + c, single: true, complex: false, nullable: false };
      default:
        return { js: c, single: true, complex: false, nullable: false };
    }
  }

  private group(): Piece {
    let open = "(";
    if (this.src[this.pos] === "?") {
      const named = /^\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(this.src.slice(this.pos));
      if (named) {
        open = `(?<${named[1]}>`;
        this.pos += named[0].length;
      } else if (this.src.startsWith("?:", this.pos)) {
        open = "(?:";
        this.pos += 2;
      } else throw new Unsupported(); // flags, lookaround
    }
    const before = { unbounded: this.unbounded, ways: this.ways, repeats: this.repeats };
    this.depth++;
    const inner = this.alternation();
    this.depth--;
    if (this.src[this.pos] !== ")") throw new Unsupported();
    this.pos++;
    // A repeat or an alternation inside: every one of those changes a count.
    const complex = this.unbounded !== before.unbounded || this.ways !== before.ways || this.repeats !== before.repeats;
    return { js: open + inner.js + ")", single: false, complex, nullable: inner.nullable };
  }

  private escape(): Piece {
    const e = this.src[this.pos++];
    if (e === undefined) throw new Unsupported();
    const single = (js: string): Piece => ({ js, single: true, complex: false, nullable: false });
    switch (e) {
      case "d":
      case "D":
      case "w":
      case "W":
      case "t":
      case "n":
      case "r":
      case "f":
      case "v":
        return single("\\" + e);
      case "s":
        return single(`[${SPACE_CLASS}]`);
      case "S":
        return single(`[^${SPACE_CLASS}]`);
      case "b":
        return { js: "\\b", single: false, complex: false, nullable: true };
    }
    if (/[A-Za-z0-9]/.test(e) || e.charCodeAt(0) >= 0x80) throw new Unsupported();
    return single(escapeLiteral(e));
  }

  /** The class after its `[`, as JavaScript source (with its brackets). */
  private charClass(): string {
    let out = "[";
    if (this.src[this.pos] === "^") {
      out += "^";
      this.pos++;
    }
    let first = true;
    while (this.pos < this.src.length && (this.src[this.pos] !== "]" || first)) {
      first = false;
      const lo = this.classChar();
      if (lo.cls) {
        out += lo.js;
        continue;
      }
      if (this.src[this.pos] === "-" && this.src[this.pos + 1] !== "]" && this.pos + 1 < this.src.length) {
        this.pos++;
        const hi = this.classChar();
        if (hi.cls || hi.code < lo.code) throw new Unsupported();
        out += `${lo.js}-${hi.js}`;
        continue;
      }
      out += lo.js;
    }
    if (this.src[this.pos] !== "]") throw new Unsupported();
    this.pos++;
    return out + "]";
  }

  private classChar(): { js: string; code: number; cls: boolean } {
    const c = this.src[this.pos++]!;
    const code = c.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdfff) throw new Unsupported();
    if (c === "[" && this.src[this.pos] === ":") throw new Unsupported(); // POSIX class
    if (c !== "\\") return { js: escapeClassChar(c), code, cls: false };
    const e = this.src[this.pos++];
    if (e === undefined) throw new Unsupported();
    if (e === "d" || e === "w") return { js: "\\" + e, code: -1, cls: true };
    if (e === "s") return { js: SPACE_CLASS, code: -1, cls: true };
    const controls: Record<string, number> = { t: 9, n: 10, r: 13, f: 12, v: 11 };
    if (e in controls) return { js: "\\" + e, code: controls[e]!, cls: false };
    if (/[A-Za-z0-9]/.test(e) || e.charCodeAt(0) >= 0x80) throw new Unsupported();
    return { js: escapeClassChar(e), code: e.charCodeAt(0), cls: false };
  }
}

function escapeLiteral(c: string): string {
  return SYNTAX.has(c) ? "\\" + c : c;
}

function escapeClassChar(c: string): string {
  return SYNTAX.has(c) || c === "-" ? "\\" + c : c;
}
