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
 *   those repeats at most one is free; the others are guarded by what follows them (`[^:]*:`,
 *   `[^:]*\.(?:c|h):`, `\d+(?:-\d+)?:`; repeat-guards.ts says when and why that is linear) and
 *   come before the free one; each count of the free one is tried once;
 * - bounded repeats of a single character or class, or `?` / `{n,m}` (m ≤ 10) of a group with
 *   no repeat or alternation inside but guarded ones; the ways through all alternations (plain
 *   branches counted by how many can match at one place) and optional parts at most MAX_WAYS.
 *
 * Translation: `u` mode (code points, as RE2 reads a string), `.` as `[^\n]` and `\s` as
 * `[\t\n\f\r ]` (RE2's, where JavaScript's are wider), named groups as `(?<n>`. Both engines pick
 * the submatches a backtracking search finds first, so the groups agree too.
 */

import { complement, DIGIT, disjoint, SPACE, union, WORD, type Chars } from "./char-set.js";
import { escapedCode, escapeLiteral, readClass, SPACE_CLASS, Unsupported, UNSUPPORTED } from "./class-syntax.js";
import { RepeatGuards, waysThrough, type Pending } from "./repeat-guards.js";

/** How many ways through the pattern's alternations and optional parts may multiply to. */
const MAX_WAYS = 16;
/**
 * Ways times the characters a match walks outside its unbounded repeats bounds what one retry
 * costs (from each start of an unanchored pattern, or each count of the free repeat); a bounded
 * repeat walks at most MAX_REPEAT_SPAN. So `[^:]{1000}:` stays on re2js: a retry from each of a
 * long line's characters would cost a thousand steps (121 ms on 32 KB, where re2js takes ~0).
 */
const MAX_SPAN = 1024;
const MAX_REPEAT_SPAN = 64;
const MAX_SOURCE = 400;
/** RE2's `.` in V8's syntax. */
const ANY_BUT_NEWLINE = "[^\\n]";
/** RE2's limit on a repeat count. */
const MAX_REPEAT = 1000;

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
  /** The characters a non-empty match can start with; null when not known. */
  readonly first: Chars | null;
  /** The most characters a match can take (Infinity with an unbounded repeat inside). */
  readonly maxLength: number;
  /** As maxLength, with each unbounded repeat counted as one character (MAX_SPAN). */
  readonly span: number;
  /** A group's unbounded repeats still looking for their guard, for the items after the group. */
  readonly trailing: readonly Pending[];
}

interface Sequence {
  readonly js: string;
  readonly nullable: boolean;
  readonly first: Chars | null;
  readonly maxLength: number;
  readonly span: number;
  /** Unbounded repeats still looking for their guard, left for what follows the sequence. */
  readonly trailing: readonly Pending[];
  /** The one string the sequence matches, when it is plain characters; else null. */
  readonly literal: string | null;
}

interface Item {
  readonly piece: Piece;
  readonly js: string;
  readonly min: number;
  readonly max: number;
}

/** A JavaScript RegExp that behaves exactly as RE2 does on `source`, or null when that is not certain. */
export function toLinearJs(source: string, ignoreCase: boolean): RegExp | null {
  return translate(source, ignoreCase, false)?.js ?? null;
}

/** A pattern on V8, with whether its linear time holds only for inputs without a newline. */
export interface LinearJs {
  readonly js: RegExp;
  /** V8 is linear on inputs without a newline only; others must run on RE2. */
  readonly singleLine: boolean;
}

/** As `toLinearJs`, also taking shapes that are linear on single lines (`terminal`). */
export function toLinearJsForLines(source: string, ignoreCase: boolean): LinearJs | null {
  // A pattern linear on any input says so, rather than on single lines only.
  return translate(source, ignoreCase, false) ?? translate(source, ignoreCase, true);
}

function translate(source: string, ignoreCase: boolean, lines: boolean): LinearJs | null {
  if (ignoreCase || source.length > MAX_SOURCE) return null;
  try {
    const t = new Translator(source, lines);
    const js = t.translate();
    return { js: new RegExp(js, "u"), singleLine: t.singleLine };
  } catch (error) {
    if (error instanceof Unsupported || error instanceof SyntaxError) return null;
    throw error;
  }
}

class Translator {
  private pos = 0;
  /** Where the unbounded repeats stand: guarded or free (repeat-guards.ts). */
  private readonly guards = new RepeatGuards();
  private ways = 1;
  private depth = 0;
  private topLevelBar = false;
  /** Alternations and repeats of varying count read so far (with free repeats: what makes a group complex). */
  private varying = 0;
  /** The set of the character right before the item being read, when one is required there; else null. */
  private before: Chars | null = null;
  /** A terminal repeat (see `terminal`) is followed by `$`: V8 may run the pattern on single lines only. */
  singleLine = false;

  constructor(
    private readonly src: string,
    private readonly lines: boolean,
  ) {}

  translate(): string {
    const anchored = this.src.startsWith("^");
    if (anchored) this.pos = 1;
    const whole = this.alternation();
    for (const p of whole.trailing) this.guards.makeFree(p);
    const body = whole.js;
    if (this.pos !== this.src.length) throw UNSUPPORTED;
    if (!this.guards.linear(this.ways)) throw UNSUPPORTED;
    if (this.guards.count > 0 && (!anchored || this.topLevelBar)) throw UNSUPPORTED;
    if (this.ways > MAX_WAYS) throw UNSUPPORTED;
    if (this.ways * whole.span > MAX_SPAN) throw UNSUPPORTED;
    return (anchored ? "^" : "") + body;
  }

  private alternation(): Sequence {
    // Every branch starts after the same character.
    const entry = this.before;
    const alts = [this.concatenation()];
    while (this.src[this.pos] === "|") {
      this.pos++;
      if (this.depth === 0) this.topLevelBar = true;
      this.before = entry;
      alts.push(this.concatenation());
    }
    this.ways *= waysThrough(alts.map((a) => a.literal));
    if (alts.length > 1) {
      this.varying++;
      // Which branch ends the group is not known: no trailing repeat is guarded from outside.
      for (const a of alts) for (const p of a.trailing) this.guards.makeFree(p);
    }
    return {
      js: alts.map((a) => a.js).join("|"),
      nullable: alts.some((a) => a.nullable),
      first: alts.every((a) => a.first) ? union(alts.map((a) => a.first!)) : null,
      maxLength: Math.max(...alts.map((a) => a.maxLength)),
      span: Math.max(...alts.map((a) => a.span)),
      trailing: alts.length === 1 ? alts[0]!.trailing : [],
      literal: alts.length === 1 ? alts[0]!.literal : null,
    };
  }

  private concatenation(): Sequence {
    const items: Item[] = [];
    let dollar = false;
    // Unbounded repeats whose guard the items read next may be (settled as each item is read).
    let pending: Pending[] = [];
    let first: Chars | null = [];
    let nullable = true;
    let maxLength = 0;
    let span = 0;
    let literal: string | null = "";
    let before = this.before;
    while (this.pos < this.src.length && this.src[this.pos] !== "|" && this.src[this.pos] !== ")") {
      if (this.src[this.pos] === "$") {
        // Only as the very last character of the whole pattern; it guards every repeat before it.
        if (this.pos !== this.src.length - 1 || this.depth !== 0) throw UNSUPPORTED;
        this.pos++;
        dollar = true;
        for (const p of pending) this.guards.guarded(p);
        pending = [];
        continue;
      }
      this.before = before;
      const item = this.quantified(this.atom());
      const itemNullable = item.min === 0 || item.piece.nullable;
      const itemFirst = item.max === 0 ? [] : item.piece.first;
      const itemLength = item.max === 0 || item.piece.maxLength === 0 ? 0 : item.piece.maxLength * item.max;
      pending = this.guards.settle(pending, itemNullable, itemFirst, itemLength);
      // A group's own trailing repeats: the items after it guard them, unless the group repeats
      // (then the group's own start may follow).
      const inner = item.piece.trailing;
      if (item.max === 1) pending.push(...inner);
      else for (const p of inner) this.guards.makeFree(p);
      const terminal = this.terminal(item);
      if (terminal) this.singleLine ||= terminal === "dollar";
      else if (!Number.isFinite(item.max)) {
        const p = this.guards.repeat(item.piece.set!, before !== null && disjoint(before, item.piece.set!));
        if (p) pending.push(p);
      } else if (item.min !== item.max) this.varying++;
      // `\b` takes no character: the one before it is still the one before the next item.
      if (item.max !== 0 && item.piece.maxLength !== 0)
        before = item.min === 1 && item.max === 1 && item.piece.set ? item.piece.set : null;
      if (nullable) first = first && itemFirst ? union([first, itemFirst]) : null;
      nullable &&= itemNullable;
      maxLength += itemLength;
      span += item.max === 0 ? 0 : item.piece.span * (Number.isFinite(item.max) ? item.max : 1);
      const point = item.min === 1 && item.max === 1 ? pointOf(item.piece) : null;
      literal = literal !== null && point !== null ? literal + point : null;
      items.push(item);
    }
    return {
      js: items.map((i) => i.js).join("") + (dollar ? "$" : ""),
      nullable,
      first,
      maxLength,
      span,
      // Settled by what follows, or free at the end of the pattern.
      trailing: pending,
      literal: dollar ? null : literal,
    };
  }

  /**
   * An unbounded repeat of `.` followed only by the ends of groups entered at most once and the
   * pattern's end or `$`: once entered it matches to the end of a line, so the search succeeds
   * there and V8 walks it once, whatever came before. It is no repeat to guard. A `$` after it
   * fails at a newline, and each count of a free repeat before it could then walk to that newline
   * again: such a pattern runs on V8 only for single lines (`singleLine`, compile-pattern.ts).
   */
  private terminal(item: Item): "end" | "dollar" | null {
    if (!this.lines || Number.isFinite(item.max) || item.piece.js !== ANY_BUT_NEWLINE) return null;
    const rest = this.src.slice(this.pos);
    if (!/^(?:\)(?:\?\??)?)*\$?$/.test(rest)) return null;
    return rest.endsWith("$") ? "dollar" : "end";
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
    if (piece.span * (Number.isFinite(max) ? max : min) > MAX_REPEAT_SPAN) throw UNSUPPORTED;
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
      // An optional group adds one way to those inside; a repeated one multiplies them (and its start may follow its end).
      if ((max > 1 && (piece.complex || piece.trailing.length > 0)) || max > 10) throw UNSUPPORTED;
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
    const single = (js: string, set: Chars): Piece => singlePiece(js, set);
    switch (c) {
      case "(":
        return this.group();
      case "[": {
        const cls = readClass(this.src, this.pos);
        this.pos = cls.end;
        return single(cls.js, cls.set);
      }
      case ".":
        return single(ANY_BUT_NEWLINE, complement([[10, 10]]));
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
    const before = { ways: this.ways, varying: this.varying + this.guards.varying };
    this.depth++;
    const inner = this.alternation();
    this.depth--;
    if (this.src[this.pos] !== ")") throw UNSUPPORTED;
    this.pos++;
    // An alternation, a repeat of varying count or a free repeat inside: each changes a count.
    // (A repeat at its end still looking for its guard is not: `quantified` sees to those.)
    const complex = this.ways !== before.ways || this.varying + this.guards.varying !== before.varying;
    return {
      js: open + inner.js + ")",
      set: null,
      complex,
      nullable: inner.nullable,
      first: inner.first,
      maxLength: inner.maxLength,
      span: inner.span,
      trailing: inner.trailing,
    };
  }

  private escape(): Piece {
    const e = this.src[this.pos++];
    if (e === undefined) throw UNSUPPORTED;
    const single = (js: string, set: Chars): Piece => singlePiece(js, set);
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
        // Takes no character: nothing starts with it, and it is as long as nothing.
        return { js: "\\b", set: null, complex: false, nullable: true, first: [], maxLength: 0, span: 0, trailing: [] };
    }
    const code = escapedCode(e);
    return single(code === e.charCodeAt(0) ? escapeLiteral(e) : "\\" + e, [[code, code]]);
  }
}

/** The character a piece stands for, when it is exactly one. */
function pointOf(piece: Piece): string | null {
  const set = piece.set;
  if (!set || set.length !== 1 || set[0]![0] !== set[0]![1]) return null;
  return String.fromCodePoint(set[0]![0]);
}

function singlePiece(js: string, set: Chars): Piece {
  return { js, set, complex: false, nullable: false, first: set, maxLength: 1, span: 1, trailing: [] };
}
