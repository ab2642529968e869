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
 * - unbounded repeats (`*`, `+`, `{n,}`) of a single character, class or `.` only, and then the
 *   pattern must start with `^` and have no top-level `|` (one place a match can start). Of
 *   those repeats at most one is free; the others are guarded: followed in the same sequence by
 *   a character or class that must be there and that the repeat cannot take (`[^:]*:`, `\d+)`),
 *   and before the free one. A guarded repeat can end in one place only, so backtracking into it
 *   fails at once; each count of the free one is tried once;
 * - bounded repeats of a single character or class, or `?` / `{n,m}` (m ≤ 10) of a group with
 *   no repeat or alternation inside but guarded ones; the ways through all alternations and
 *   optional parts together at most MAX_WAYS.
 *
 * Translation: `u` mode (code points, as RE2 reads a string), `.` as `[^\n]` and `\s` as
 * `[\t\n\f\r ]` (RE2's, where JavaScript's are wider), named groups as `(?<n>`. Both engines pick
 * the submatches a backtracking search finds first, so the groups agree too.
 */

import { complement, DIGIT, disjoint, normalize, SPACE, WORD, type Chars } from "./char-set.js";

/** How many ways through the pattern's alternations and optional parts may multiply to. */
const MAX_WAYS = 16;
const MAX_SOURCE = 400;
/** RE2's limit on a repeat count. */
const MAX_REPEAT = 1000;
const SPACE_CLASS = "\\t\\n\\f\\r ";
const SYNTAX = new Set([..."^$\\.*+?()[]{}|/"]);

class Unsupported extends Error {}
/**
 * Thrown for every refusal: one instance, made once. The filters ask this module about dozens of
 * candidate sources per pattern and most are refused; a new Error per refusal captured a stack
 * trace each time, a tenth of compiling the builtins' patterns.
 */
const UNSUPPORTED = new Unsupported("not in the linear subset");

interface Piece {
  /** JavaScript source for the piece. */
  readonly js: string;
  /** The characters of a single character, class or `.` (it can take any repeat); null for the rest. */
  readonly set: Chars | null;
  /** Holds an alternation, a bounded repeat of varying count, or a free unbounded repeat. */
  readonly complex: boolean;
  /**
   * Can match the empty string. Such a piece takes no repeat: JavaScript refuses an empty
   * iteration where RE2 takes it (`()?` on "" gives group 1 undefined in one and "" in the other).
   */
  readonly nullable: boolean;
  /** A group's unbounded repeat at its very end, for the item after the group to guard. */
  readonly trailing?: Item | null;
}

interface Sequence {
  readonly js: string;
  readonly nullable: boolean;
  /** An unbounded repeat at the very end, left for what follows the sequence to guard. */
  readonly trailing: Item | null;
}

interface Item {
  readonly piece: Piece;
  readonly js: string;
  readonly min: number;
  readonly max: number;
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
  /** Unbounded repeats that are not guarded. */
  private free = 0;
  /** Unbounded repeats of any kind. */
  private unbounded = 0;
  private ways = 1;
  private depth = 0;
  private topLevelBar = false;
  /** Alternations, repeats of varying count and free repeats read so far (what makes a group complex). */
  private varying = 0;
  /** Unbounded repeats waiting for the item after them to say whether they are guarded. */
  private unsettled = 0;

  constructor(private readonly src: string) {}

  translate(): string {
    const anchored = this.src.startsWith("^");
    if (anchored) this.pos = 1;
    const whole = this.alternation();
    if (whole.trailing) this.settleFree();
    const body = whole.js;
    if (this.pos !== this.src.length) throw UNSUPPORTED;
    if (this.free > 1) throw UNSUPPORTED;
    if (this.unbounded > 0 && (!anchored || this.topLevelBar)) throw UNSUPPORTED;
    if (this.ways > MAX_WAYS) throw UNSUPPORTED;
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
    if (alts.length > 1) {
      this.varying++;
      // Which branch ends the group is not known: no trailing repeat is guarded from outside.
      for (const a of alts) if (a.trailing) this.settleFree();
    }
    const trailing = alts.length === 1 ? alts[0]!.trailing : null;
    return { js: alts.map((a) => a.js).join("|"), nullable: alts.some((a) => a.nullable), trailing };
  }

  private concatenation(): Sequence {
    const items: Item[] = [];
    let dollar = false;
    // An unbounded repeat that the next item may guard (decided when that item is read).
    let tentative: Item | null = null;
    while (this.pos < this.src.length && this.src[this.pos] !== "|" && this.src[this.pos] !== ")") {
      if (this.src[this.pos] === "$") {
        // Only as the very last character of the whole pattern.
        if (this.pos !== this.src.length - 1 || this.depth !== 0) throw UNSUPPORTED;
        this.pos++;
        dollar = true;
        continue;
      }
      const item = this.quantified(this.atom());
      const inner = item.piece.trailing ?? null;
      if (tentative) {
        this.unsettled--;
        const guard = item.min >= 1 ? item.piece.set : null;
        if (!guard || !disjoint(tentative.piece.set!, guard)) this.makeFree();
        tentative = null;
      }
      if (!Number.isFinite(item.max)) {
        this.unbounded++;
        // Guarded repeats must all come before the free one (in source order, settled or not).
        if (item.piece.set && this.free === 0 && this.unsettled === 0) {
          tentative = item;
          this.unsettled++;
        } else this.makeFree();
      } else if (item.min !== item.max) this.varying++;
      // A group ending in an unbounded repeat: the item after the group guards it, unless the
      // group repeats (then the group's own start may follow).
      if (inner) {
        if (item.max === 1 && !tentative) tentative = inner;
        else this.settleFree();
      }
      items.push(item);
    }
    return {
      js: items.map((i) => i.js).join("") + (dollar ? "$" : ""),
      nullable: items.every((i) => i.min === 0 || i.piece.nullable),
      // Settled by what follows, or free at the end of the pattern.
      trailing: tentative,
    };
  }

  private settleFree(): void {
    this.unsettled--;
    this.makeFree();
  }

  private makeFree(): void {
    this.free++;
    this.varying++;
  }

  private quantified(piece: Piece): Item {
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
      if (!m) return this.plain(piece);
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
      if (min > MAX_REPEAT || (Number.isFinite(max) && (max > MAX_REPEAT || max < min))) throw UNSUPPORTED;
      text = m[0];
      this.pos += m[0].length;
    } else return this.plain(piece);
    if (piece.nullable) throw UNSUPPORTED;
    if (this.src[this.pos] === "?") {
      text += "?";
      this.pos++;
    }
    // A repeat of a repeat: RE2 refuses `**`, and it is not worth telling the legal ones apart.
    const next = this.src[this.pos];
    if (next !== undefined && "*+?{".includes(next)) throw UNSUPPORTED;
    if (!Number.isFinite(max)) {
      if (!piece.set) throw UNSUPPORTED;
    } else if (!piece.set) {
      if (piece.complex || max > 10) throw UNSUPPORTED;
      this.ways *= max - min + 1;
    } else if (min !== max) this.ways *= Math.min(max - min + 1, MAX_WAYS + 1);
    return { piece, js: piece.js + text, min, max };
  }

  private plain(piece: Piece): Item {
    return { piece, js: piece.js, min: 1, max: 1 };
  }

  private atom(): Piece {
    const c = this.src[this.pos]!;
    const code = c.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdfff) throw UNSUPPORTED;
    this.pos++;
    const single = (js: string, set: Chars): Piece => ({ js, set, complex: false, nullable: false });
    switch (c) {
      case "(":
        return this.group();
      case "[": {
        const cls = this.charClass();
        return single(cls.js, cls.set);
      }
      case ".":
        return single("[^\\n]", complement([[10, 10]]));
      case "\\":
        return this.escape();
      case "^":
      case "*":
      case "+":
      case "?":
        throw UNSUPPORTED;
      case "{":
      case "}":
      case "]":
      case "/":
        // RE2 reads a `{` that starts no repeat as itself; `u` mode needs these escaped.
        return single("\\" + c, [[code, code]]);
      default:
        return single(c, [[code, code]]);
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
      } else throw UNSUPPORTED; // flags, lookaround
    }
    const before = { ways: this.ways, varying: this.varying };
    this.depth++;
    const inner = this.alternation();
    this.depth--;
    if (this.src[this.pos] !== ")") throw UNSUPPORTED;
    this.pos++;
    // An alternation, a repeat of varying count or a free repeat inside: each changes a count.
    // (An unbounded repeat at its end is complex too: whether it is guarded is not known yet.)
    const complex = this.ways !== before.ways || this.varying !== before.varying || inner.trailing !== null;
    return { js: open + inner.js + ")", set: null, complex, nullable: inner.nullable, trailing: inner.trailing };
  }

  private escape(): Piece {
    const e = this.src[this.pos++];
    if (e === undefined) throw UNSUPPORTED;
    const single = (js: string, set: Chars): Piece => ({ js, set, complex: false, nullable: false });
    const controls: Record<string, number> = { t: 9, n: 10, r: 13, f: 12, v: 11 };
    switch (e) {
      case "d":
        return single("\\d", DIGIT);
      case "D":
        return single("\\D", complement(DIGIT));
      case "w":
        return single("\\w", WORD);
      case "W":
        return single("\\W", complement(WORD));
      case "s":
        return single(`[${SPACE_CLASS}]`, SPACE);
      case "S":
        return single(`[^${SPACE_CLASS}]`, complement(SPACE));
      case "b":
        return { js: "\\b", set: null, complex: false, nullable: true };
    }
    if (e in controls) return single("\\" + e, [[controls[e]!, controls[e]!]]);
    if (/[A-Za-z0-9]/.test(e) || e.charCodeAt(0) >= 0x80) throw UNSUPPORTED;
    const code = e.charCodeAt(0);
    return single(escapeLiteral(e), [[code, code]]);
  }

  /** The class after its `[`, as JavaScript source (with its brackets) and as a set. */
  private charClass(): { js: string; set: Chars } {
    let out = "[";
    let negated = false;
    if (this.src[this.pos] === "^") {
      out += "^";
      negated = true;
      this.pos++;
    }
    const ranges: Array<[number, number]> = [];
    let first = true;
    while (this.pos < this.src.length && (this.src[this.pos] !== "]" || first)) {
      first = false;
      const lo = this.classChar();
      if (lo.cls) {
        out += lo.js;
        for (const [a, b] of lo.cls) ranges.push([a, b]);
        continue;
      }
      if (this.src[this.pos] === "-" && this.src[this.pos + 1] !== "]" && this.pos + 1 < this.src.length) {
        this.pos++;
        const hi = this.classChar();
        if (hi.cls || hi.code < lo.code) throw UNSUPPORTED;
        out += `${lo.js}-${hi.js}`;
        ranges.push([lo.code, hi.code]);
        continue;
      }
      out += lo.js;
      ranges.push([lo.code, lo.code]);
    }
    if (this.src[this.pos] !== "]") throw UNSUPPORTED;
    this.pos++;
    const set = normalize(ranges);
    return { js: out + "]", set: negated ? complement(set) : set };
  }

  private classChar(): { js: string; code: number; cls: Chars | null } {
    const c = this.src[this.pos++]!;
    const code = c.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdfff) throw UNSUPPORTED;
    if (c === "[" && this.src[this.pos] === ":") throw UNSUPPORTED; // POSIX class
    if (c !== "\\") return { js: escapeClassChar(c), code, cls: null };
    const e = this.src[this.pos++];
    if (e === undefined) throw UNSUPPORTED;
    if (e === "d") return { js: "\\d", code: -1, cls: DIGIT };
    if (e === "w") return { js: "\\w", code: -1, cls: WORD };
    if (e === "s") return { js: SPACE_CLASS, code: -1, cls: SPACE };
    const controls: Record<string, number> = { t: 9, n: 10, r: 13, f: 12, v: 11 };
    if (e in controls) return { js: "\\" + e, code: controls[e]!, cls: null };
    if (/[A-Za-z0-9]/.test(e) || e.charCodeAt(0) >= 0x80) throw UNSUPPORTED;
    return { js: escapeClassChar(e), code: e.charCodeAt(0), cls: null };
  }
}

function escapeLiteral(c: string): string {
  return SYNTAX.has(c) ? "\\" + c : c;
}

function escapeClassChar(c: string): string {
  return SYNTAX.has(c) || c === "-" ? "\\" + c : c;
}
