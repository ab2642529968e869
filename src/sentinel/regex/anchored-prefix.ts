import { literalInfo } from "../engine/required-literals.js";

/**
 * How every match of an anchored pattern starts (`^FAIL\s+…` → `FAIL`, `^\s*--> …` → `-->` after
 * optional blanks, `^(error|warning): ` → either word, `^\s+\d+:` → a digit after blanks), so the
 * engine can turn a line away with a comparison or two instead of running the pattern. Required
 * literals say "somewhere in the line"; on real CI noise words like `FAIL`, `error` and `warning`
 * are everywhere, but rarely where an anchored rule wants them. When unsure it returns null (run
 * the pattern), which is always correct.
 */
export interface AnchoredPrefix {
  /** One of these starts every match, ASCII letters lowercased (compared ignoring their case). */
  readonly texts: readonly string[];
  /** The pattern allows blanks before the text (`^\s*`, `^ +`…). */
  readonly afterBlanks: boolean;
  /**
   * RE2 folds case beyond ASCII (`(?i)k` matches the Kelvin sign), so for such a pattern a
   * non-ASCII character where an ASCII letter is expected does not turn the line away.
   */
  readonly ignoreCase: boolean;
}

const INLINE_FLAGS = /\(\?[-imsU]/;
const BLANKS = /^(?:\\s|[ ]|\[ \\t\]|\[\\t \])(?:[*+]|\{\d+,\d*\})/;

// The texts are compared ignoring ASCII case whether or not the pattern does, which can only let
// more lines through; the literal parser promises no cased non-ASCII letter at all.
export function anchoredPrefix(source: string, ignoreCase: boolean): AnchoredPrefix | null {
  // Inline flags change what the text means; a top-level `|` makes `^` bind to one branch only.
  if (!source.startsWith("^") || INLINE_FLAGS.test(source) || hasTopLevelBar(source)) return null;
  let rest = source.slice(1);
  const blanks = BLANKS.exec(rest);
  if (blanks) rest = rest.slice(blanks[0].length);
  const texts = startStrings(rest);
  return texts ? { texts, afterBlanks: blanks !== null, ignoreCase } : null;
}

/**
 * Strings one of which every match starts with (ASCII-lowercased, as the literals are), or null:
 * `(error|warning): ` gives both words, `\d+:` the ten digits.
 */
export function startStrings(pattern: string): string[] | null {
  const info = literalInfo(pattern);
  const starts = info ? (info.exact ?? info.prefix ?? null) : null;
  return starts && starts.length > 0 && starts.every((x) => x.length > 0) ? [...new Set(starts)] : null;
}

/** Whether `text` (a cleaned line) can match a pattern with this anchored prefix. */
export function startsLike(prefix: AnchoredPrefix, text: string): boolean {
  let from = 0;
  // RE2's \s: tab, newline, form feed, carriage return, space.
  if (prefix.afterBlanks) while (from < text.length && isBlank(text.charCodeAt(from))) from++;
  for (const t of prefix.texts) if (startsWithFolded(text, from, t, prefix.ignoreCase)) return true;
  return false;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 12 || c === 13;
}

/** `text` has `lower` at `from`, ASCII letters compared without case. */
function startsWithFolded(text: string, from: number, lower: string, unicodeFolding: boolean): boolean {
  if (from + lower.length > text.length) return false;
  for (let j = 0; j < lower.length; j++) {
    let c = text.charCodeAt(from + j);
    if (c >= 65 && c <= 90) c += 32;
    if (c === lower.charCodeAt(j)) continue;
    // RE2's folding is one character for one (the Kelvin sign for k, the long s for s): only a
    // non-ASCII character can fold to an ASCII letter.
    if (unicodeFolding && c > 0x7f) continue;
    return false;
  }
  return true;
}

function hasTopLevelBar(source: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") i++;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") {
      inClass = true;
      if (source[i + 1] === "^") i++;
      if (source[i + 1] === "]") i++;
    } else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) return true;
  }
  return false;
}
