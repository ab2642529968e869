/**
 * The literal text an anchored pattern's every match starts with (`^FAIL\s+…` → `FAIL`, `^\s*--> …`
 * → `-->` after optional blanks), so the engine can turn a line away with one `startsWith` instead
 * of running the pattern. Required literals say "somewhere in the line"; on real CI noise words
 * like `FAIL`, `error` and `warning` are everywhere, but rarely where an anchored rule wants them.
 * When unsure it returns null (run the pattern), which is always correct.
 */
export interface AnchoredPrefix {
  readonly text: string;
  /** The pattern allows blanks before the text (`^\s*`, `^ +`…). */
  readonly afterBlanks: boolean;
  readonly ignoreCase: boolean;
}

// One character is enough: the check is a startsWith, and `^=+ …` or `^\[` lines are rare.
const MIN_LENGTH = 1;
/** Escapes that stand for the punctuation character itself. */
const LITERAL_ESCAPES = new Set([..."\\.^$|?*+()[]{}/-:#<>'\"`!@%&=,;~_ "]);
const INLINE_FLAGS = /\(\?[-imsU]/;
const QUANTIFIERS = new Set(["?", "*", "{"]);
const BLANKS = /^(?:\\s|[ ]|\[ \\t\]|\[\\t \])(?:[*+]|\{\d+,\d*\})/;

export function anchoredPrefix(source: string, ignoreCase: boolean): AnchoredPrefix | null {
  // Inline flags change what the text means; a top-level `|` makes `^` bind to one branch only.
  if (!source.startsWith("^") || INLINE_FLAGS.test(source) || hasTopLevelBar(source)) return null;
  let i = 1;
  const blanks = BLANKS.exec(source.slice(i));
  const afterBlanks = blanks !== null;
  if (blanks) i += blanks[0].length;
  let text = "";
  while (i < source.length) {
    const c = source[i]!;
    // Astral characters are two code units a quantifier could split: stop before them.
    if (c >= "\ud800" && c <= "\udfff") break;
    if (c === "\\") {
      const e = source[i + 1];
      if (e === undefined || !LITERAL_ESCAPES.has(e)) break;
      if (QUANTIFIERS.has(source[i + 2] ?? "")) break;
      text += e;
      i += 2;
      continue;
    }
    if (".^$|?*+()[]{}".includes(c)) break;
    // A quantified character is optional or repeated: the text ends before it.
    if (QUANTIFIERS.has(source[i + 1] ?? "") || source[i + 1] === "+") {
      if (source[i + 1] === "+") text += c;
      break;
    }
    text += c;
    i++;
  }
  // Case folding beyond ASCII differs between RE2 and toLowerCase: only fold what both fold alike.
  if (text.length < MIN_LENGTH || (ignoreCase && /[^\x00-\x7f]/.test(text))) return null;
  return { text: ignoreCase ? text.toLowerCase() : text, afterBlanks, ignoreCase };
}

/** Whether `text` (a cleaned line) can match a pattern with this anchored prefix. */
export function startsLike(prefix: AnchoredPrefix, text: string): boolean {
  let from = 0;
  // RE2's \s: tab, newline, form feed, carriage return, space.
  if (prefix.afterBlanks) while (from < text.length && " \t\n\f\r".includes(text[from]!)) from++;
  if (!prefix.ignoreCase) return text.startsWith(prefix.text, from);
  return text.slice(from, from + prefix.text.length).toLowerCase() === prefix.text;
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
