import { SentinelError } from "../../core/index.js";

/**
 * Finds literal text that every match of an RE2 pattern must contain, so the engine can skip
 * lines that contain none of it without running the pattern (the idea behind RE2's and
 * Google Code Search's prefilters, simplified). The answer is an OR-set: any line a pattern can
 * match contains at least one of the returned strings, ASCII-lowercased because the prefilter
 * compares case-folded bytes. When unsure it returns null ("run this pattern on every line"),
 * which is always correct, only slower.
 */

const MAX_EXACT = 16;
/** How many alternatives a literal set may grow to when a known prefix is appended to it. */
const MAX_CARRY = 40;
const MIN_USEFUL_LENGTH = 3;
/** How many required sets beyond the best a pattern keeps (each is checked before the pattern runs). */
const MAX_EXTRA_CLAUSES = 2;

export interface Info {
  /** Every string the node can match, when that set is small; null when unknown or too big. */
  exact: string[] | null;
  /** An OR-set one of which appears in every match; null when there is none. */
  req: string[] | null;
  /** Strings one of which every match ends with (so `(.+\.py):` yields `.py:`); null when unknown. */
  suffix?: string[] | null;
  /** Strings one of which every match starts with (so `\d+` yields the ten digits); null when unknown. */
  prefix?: string[] | null;
  /**
   * More OR-sets every match holds one of, besides `req` (an AND of ORs): the parts of a
   * concatenation are each required, so `(\S+\.c):\d+: (error|warning): ` needs `.c:` and also
   * `: error: ` or `: warning: `.
   */
  also?: string[][];
}

const OTHER: Info = { exact: null, req: null };
const EMPTY: Info = { exact: [""], req: null };

export function requiredLiterals(pattern: string): string[] | null {
  return requiredLiteralClauses(pattern)[0] ?? null;
}

/**
 * Every OR-set of literals that every match of the pattern holds one of, best first (the one the
 * prefilter should look for), then up to MAX_EXTRA_CLAUSES more that the best does not already
 * imply. A line must hold one literal of each set for the pattern to be worth running. Empty when
 * no literal is known.
 */
export function requiredLiteralClauses(pattern: string): string[][] {
  const info = literalInfo(pattern);
  if (!info) return [];
  const useful = (c: string[] | null | undefined): c is string[] =>
    !!c && c.length > 0 && c.every((s) => byteLength(s) >= MIN_USEFUL_LENGTH);
  const clauses = [toReq(info), info.req, ...(info.also ?? [])].filter(useful).map(unique);
  clauses.sort((a, b) => score(b) - score(a));
  const kept: string[][] = [];
  for (const c of clauses) {
    if (kept.length > MAX_EXTRA_CLAUSES) break;
    // A set is implied by one already kept when each of that one's strings contains one of its.
    if (kept.some((k) => k.every((s) => c.some((t) => s.includes(t))))) continue;
    kept.push(c);
  }
  return kept;
}

/**
 * What the parser knows of a pattern's matches (null when it cannot follow the pattern: then it
 * has no known literal, which RE2 validating it already does not change). `exact ?? prefix` are
 * strings one of which every match starts with.
 */
export function literalInfo(pattern: string): Readonly<Info> | null {
  try {
    return new LiteralParser(pattern).parse();
  } catch {
    // Syntax this parser does not follow: no literal is known, which is always safe.
    return null;
  }
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

function foldAscii(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function toReq(info: Info): string[] | null {
  if (!info.exact || info.exact.some((s) => s.length === 0)) return null;
  return info.exact;
}

function score(req: string[] | null): number {
  if (!req || req.length === 0) return -1;
  const minLen = Math.min(...req.map(byteLength));
  return minLen * 100 - req.length;
}

function bestOf(reqs: Array<string[] | null>): string[] | null {
  let best: string[] | null = null;
  for (const r of reqs) if (score(r) > score(best)) best = r;
  return best;
}

function product(as: readonly string[], bs: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of as) for (const b of bs) out.push(a + b);
  return unique(out);
}

function nonEmpty(xs: string[] | null | undefined): string[] | null {
  return xs && xs.length > 0 && xs.every((x) => x.length > 0) ? xs : null;
}

function concat(items: Info[]): Info {
  let run: string[] | null = [""];
  let prefix: string[] | null = null;
  let leading = true;
  /** `run` still holds every string the items so far can match together (no product was cut). */
  let whole = true;
  const candidates: Array<string[] | null> = [];
  for (const item of items) {
    candidates.push(item.req, ...(item.also ?? []));
    if (run && item.exact && run.length * item.exact.length <= MAX_EXACT) {
      run = product(run, item.exact);
      continue;
    }
    // The text so far is followed by one of the item's first strings: `\.py:(\d+)` needs `.py:0`…`.py:9`.
    const carried =
      run && item.prefix && run.length * item.prefix.length <= MAX_CARRY ? product(run, item.prefix) : null;
    candidates.push(toReq({ exact: run, req: null }), toReq({ exact: carried, req: null }));
    if (leading)
      prefix = nonEmpty(carried) ?? nonEmpty(run) ?? (run?.every((r) => r === "") ? nonEmpty(item.prefix) : null);
    leading = false;
    whole = false;
    run = item.exact ? item.exact : (item.suffix ?? null);
  }
  candidates.push(toReq({ exact: run, req: null }));
  // (When a product was cut, `run` holds only how matches end: a required set, not the whole.)
  const exact = whole && run && items.length > 0 ? run : null;
  if (leading) prefix = nonEmpty(run);
  const req = bestOf(candidates);
  const also = candidates.filter((c): c is string[] => c !== null && c !== req && c.length > 0);
  return {
    exact: items.length === 0 ? [""] : exact,
    req,
    suffix: nonEmpty(run),
    prefix,
    ...(also.length > 0 ? { also } : {}),
  };
}

function alternate(alts: Info[]): Info {
  if (alts.every((a) => a.exact)) {
    const all = unique(alts.flatMap((a) => a.exact as string[]));
    if (all.length <= MAX_EXACT) return { exact: all, req: null };
  }
  const reqs = alts.map((a) => bestOf([toReq(a), a.req]));
  const union = (pick: (a: Info) => string[] | null | undefined): string[] | null => {
    const sets = alts.map((a) => nonEmpty(a.exact ?? pick(a)));
    const all = sets.every((x) => x) ? unique(sets.flatMap((x) => x as string[])) : null;
    return all && all.length <= MAX_EXACT ? all : null;
  };
  const edges = { suffix: union((a) => a.suffix), prefix: union((a) => a.prefix) };
  if (reqs.some((r) => r === null)) return { exact: null, req: null, ...edges };
  return { exact: null, req: unique(reqs.flatMap((r) => r as string[])), ...edges };
}

function repeat(inner: Info, min: number, max: number): Info {
  if (min === 0) {
    if (max === 1 && inner.exact && inner.exact.length < MAX_EXACT)
      return { exact: unique([...inner.exact, ""]), req: null };
    return EMPTY_UNKNOWN;
  }
  if (min === 1 && max === 1) return inner;
  const req = bestOf([toReq(inner), inner.req]);
  const also = [toReq(inner), inner.req, ...(inner.also ?? [])].filter(
    (c): c is string[] => c !== null && c !== req && c.length > 0,
  );
  return {
    exact: null,
    req,
    suffix: nonEmpty(inner.exact ?? inner.suffix),
    prefix: nonEmpty(inner.exact ?? inner.prefix),
    ...(also.length > 0 ? { also } : {}),
  };
}

/** Matches an unknown string that may be empty: no exact set and no requirement. */
const EMPTY_UNKNOWN: Info = { exact: null, req: null };

class LiteralParser {
  private pos = 0;
  constructor(private readonly src: string) {}

  parse(): Info {
    const info = this.alternation();
    if (this.pos !== this.src.length) throw new SentinelError("E_PATTERN_SYNTAX", "unbalanced");
    return info;
  }

  private alternation(): Info {
    const alts = [this.concatenation()];
    while (this.src[this.pos] === "|") {
      this.pos++;
      alts.push(this.concatenation());
    }
    return alts.length === 1 ? (alts[0] as Info) : alternate(alts);
  }

  private concatenation(): Info {
    const items: Info[] = [];
    while (this.pos < this.src.length && this.src[this.pos] !== "|" && this.src[this.pos] !== ")") {
      items.push(this.quantified(this.atom()));
    }
    return concat(items);
  }

  private quantified(atom: Info): Info {
    const c = this.src[this.pos];
    let min: number;
    let max: number;
    if (c === "*") [min, max] = [0, Infinity];
    else if (c === "+") [min, max] = [1, Infinity];
    else if (c === "?") [min, max] = [0, 1];
    else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
      if (!m) return atom;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
      this.pos += m[0].length - 1;
    } else return atom;
    this.pos++;
    if (this.src[this.pos] === "?") this.pos++;
    return this.quantified(repeat(atom, min, max));
  }

  private atom(): Info {
    const c = this.src[this.pos++] as string;
    switch (c) {
      case "(":
        return this.group();
      case "[":
        return this.charClass();
      case "\\":
        return this.escape();
      case ".":
        return OTHER;
      case "^":
      case "$":
        return EMPTY;
      default:
        return literal(c);
    }
  }

  private group(): Info {
    if (this.src[this.pos] === "?") {
      const named = /^\?P?<[A-Za-z_][A-Za-z0-9_]*>/.exec(this.src.slice(this.pos));
      if (named) this.pos += named[0].length;
      else {
        const flags = /^\?[a-zA-Z-]*([:)])/.exec(this.src.slice(this.pos));
        if (!flags) throw new SentinelError("E_PATTERN_SYNTAX", "unsupported group");
        this.pos += flags[0].length;
        if (flags[1] === ")") return EMPTY;
      }
    }
    const inner = this.alternation();
    if (this.src[this.pos] !== ")") throw new SentinelError("E_PATTERN_SYNTAX", "unbalanced");
    this.pos++;
    return inner;
  }

  private charClass(): Info {
    const chars: string[] = [];
    let negated = false;
    let simple = true;
    if (this.src[this.pos] === "^") {
      negated = true;
      this.pos++;
    }
    let first = true;
    while (this.pos < this.src.length && (this.src[this.pos] !== "]" || first)) {
      first = false;
      let ch = this.src[this.pos++] as string;
      if (ch === "[" && this.src[this.pos] === ":") {
        const end = this.src.indexOf(":]", this.pos);
        if (end < 0) throw new SentinelError("E_PATTERN_SYNTAX", "bad class");
        this.pos = end + 2;
        simple = false;
        continue;
      }
      if (ch === "\\") {
        const e = this.src[this.pos++] as string;
        if (e === "d") {
          chars.push(...DIGITS);
          continue;
        }
        if (/[A-Za-z0-9]/.test(e)) {
          const lit = simpleEscape(e);
          if (lit === null) {
            simple = false;
            if (e === "p" || e === "P") this.skipUnicodeClass();
            continue;
          }
          ch = lit;
        } else ch = e;
      }
      if (this.src[this.pos] === "-" && this.src[this.pos + 1] !== "]" && this.pos + 1 < this.src.length) {
        this.pos++;
        let hi = this.src[this.pos++] as string;
        if (hi === "\\") hi = this.src[this.pos++] as string;
        const span = hi.charCodeAt(0) - ch.charCodeAt(0);
        if (span < 0 || span > 9) simple = false;
        else for (let k = 0; k <= span; k++) chars.push(String.fromCharCode(ch.charCodeAt(0) + k));
        continue;
      }
      chars.push(ch);
    }
    if (this.src[this.pos] !== "]") throw new SentinelError("E_PATTERN_SYNTAX", "unterminated class");
    this.pos++;
    if (negated || !simple) return OTHER;
    const folded = unique(chars.map(foldAscii));
    return classInfo(folded);
  }

  private skipUnicodeClass(): void {
    if (this.src[this.pos] === "{") {
      const end = this.src.indexOf("}", this.pos);
      if (end < 0) throw new SentinelError("E_PATTERN_SYNTAX", "bad \\p");
      this.pos = end + 1;
    } else this.pos++;
  }

  private escape(): Info {
    const e = this.src[this.pos++];
    if (e === undefined) throw new SentinelError("E_PATTERN_SYNTAX", "trailing backslash");
    if (e === "Q") {
      const end = this.src.indexOf("\\E", this.pos);
      const text = end < 0 ? this.src.slice(this.pos) : this.src.slice(this.pos, end);
      this.pos = end < 0 ? this.src.length : end + 2;
      return concat([...text].map(literal));
    }
    if ("bBAz".includes(e)) return EMPTY;
    if (e === "p" || e === "P") {
      this.skipUnicodeClass();
      return OTHER;
    }
    if (e === "x") {
      const m = /^(\{[0-9a-fA-F]+\}|[0-9a-fA-F]{2})/.exec(this.src.slice(this.pos));
      if (!m) throw new SentinelError("E_PATTERN_SYNTAX", "bad \\x");
      this.pos += m[0].length;
      return literal(String.fromCodePoint(parseInt(m[0].replace(/[{}]/g, ""), 16)));
    }
    if (e === "d") return classInfo(DIGITS);
    if (/[A-Za-z0-9]/.test(e)) {
      const lit = simpleEscape(e);
      return lit === null ? OTHER : literal(lit);
    }
    return literal(e);
  }
}

const DIGITS = [..."0123456789"];

/** A small class is an exact set; a class of up to ten characters still says how a match starts and ends. */
function classInfo(chars: string[]): Info {
  if (chars.length === 0 || chars.length > 10 || chars.some((ch) => ch.charCodeAt(0) > 0x7f)) return OTHER;
  if (chars.length <= 4) return { exact: chars, req: null };
  return { exact: null, req: null, prefix: chars, suffix: chars };
}

function simpleEscape(e: string): string | null {
  switch (e) {
    case "n":
      return "\n";
    case "t":
      return "\t";
    case "r":
      return "\r";
    case "f":
      return "\f";
    case "v":
      return "\v";
    default:
      return null;
  }
}

function literal(c: string): Info {
  // The prefilter folds ASCII only, so a non-ASCII letter cannot be promised in one case.
  if (c.charCodeAt(0) > 0x7f && c.toLowerCase() !== c.toUpperCase()) return OTHER;
  return { exact: [foldAscii(c)], req: null };
}
