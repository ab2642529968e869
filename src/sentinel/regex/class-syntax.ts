/**
 * The pieces of RE2 syntax linear-js.ts translates character by character: bracketed classes and
 * escaped literals, as JavaScript `u`-mode source and as sets of code points.
 */
import { complement, DIGIT, normalize, SPACE, WORD, type Chars } from "./char-set.js";

/** RE2's `\s`, spelled out: JavaScript's is wider. */
export const SPACE_CLASS = "\\t\\n\\f\\r ";
const SYNTAX = new Set([..."^$\\.*+?()[]{}|/"]);
const CONTROLS: Readonly<Record<string, number>> = { t: 9, n: 10, r: 13, f: 12, v: 11 };

export class Unsupported extends Error {}
/**
 * Thrown for every refusal: one instance, made once. The filters ask linear-js about dozens of
 * candidate sources per pattern and most are refused; a new Error per refusal captured a stack
 * trace each time, a tenth of compiling the builtins' patterns.
 */
export const UNSUPPORTED = new Unsupported("not in the linear subset");

/** The class whose `[` is just before `src[start]`: its JavaScript source (with brackets), its set, where it ends. */
export function readClass(src: string, start: number): { js: string; set: Chars; end: number } {
  let pos = start;
  let out = "[";
  let negated = false;
  if (src[pos] === "^") {
    out += "^";
    negated = true;
    pos++;
  }
  const ranges: Array<[number, number]> = [];
  let first = true;
  while (pos < src.length && (src[pos] !== "]" || first)) {
    first = false;
    const lo = classChar(src, pos);
    pos = lo.end;
    if (lo.cls) {
      out += lo.js;
      for (const [a, b] of lo.cls) ranges.push([a, b]);
      continue;
    }
    if (src[pos] === "-" && src[pos + 1] !== "]" && pos + 1 < src.length) {
      const hi = classChar(src, pos + 1);
      pos = hi.end;
      if (hi.cls || hi.code < lo.code) throw UNSUPPORTED;
      out += `${lo.js}-${hi.js}`;
      ranges.push([lo.code, hi.code]);
      continue;
    }
    out += lo.js;
    ranges.push([lo.code, lo.code]);
  }
  if (src[pos] !== "]") throw UNSUPPORTED;
  const set = normalize(ranges);
  return { js: out + "]", set: negated ? complement(set) : set, end: pos + 1 };
}

function classChar(src: string, pos: number): { js: string; code: number; cls: Chars | null; end: number } {
  const c = src[pos]!;
  const code = c.charCodeAt(0);
  if (code >= 0xd800 && code <= 0xdfff) throw UNSUPPORTED;
  if (c === "[" && src[pos + 1] === ":") throw UNSUPPORTED; // POSIX class
  if (c !== "\\") return { js: escapeClassChar(c), code, cls: null, end: pos + 1 };
  const e = src[pos + 1];
  const end = pos + 2;
  if (e === undefined) throw UNSUPPORTED;
  if (e === "d") return { js: "\\d", code: -1, cls: DIGIT, end };
  if (e === "w") return { js: "\\w", code: -1, cls: WORD, end };
  if (e === "s") return { js: SPACE_CLASS, code: -1, cls: SPACE, end };
  const point = escapedCode(e);
  return { js: point === e.charCodeAt(0) ? escapeClassChar(e) : "\\" + e, code: point, cls: null, end };
}

/**
 * The code point of an escape that names one character, in a class or out of one: a control
 * (`\t`, the code it stands for) or escaped punctuation (`\.`, itself). Letters, digits and
 * non-ASCII escapes mean other things in RE2 and are refused.
 */
export function escapedCode(e: string): number {
  if (e in CONTROLS) return CONTROLS[e]!;
  if (/[A-Za-z0-9]/.test(e) || e.charCodeAt(0) >= 0x80) throw UNSUPPORTED;
  return e.charCodeAt(0);
}

export function escapeLiteral(c: string): string {
  return SYNTAX.has(c) ? "\\" + c : c;
}

function escapeClassChar(c: string): string {
  return SYNTAX.has(c) || c === "-" ? "\\" + c : c;
}
