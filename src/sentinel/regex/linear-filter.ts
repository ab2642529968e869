import { toLinearJs } from "./linear-js.js";

/**
 * A cheap necessary condition for an anchored pattern that re2js must run: a JavaScript RegExp in
 * the linear subset of linear-js.ts that matches every line the pattern matches (and more), built
 * from the pattern's leading parts. `^((?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception)\b.*)$`
 * gives `^[\w.]*(?:Error|Exception)\b`: most lines holding the word "error" fail that in a few
 * character comparisons, where re2js spends microseconds finding out that the pattern fails too.
 *
 * How a part is relaxed, always to something that matches at least as much:
 * - a part that cannot be kept exactly (a repeated group, a second unbounded repeat) becomes a
 *   repeat of the characters it can hold (`[chars]*`), merged into the unbounded repeat before it
 *   when only single characters lie between;
 * - failing that, the filter ends before the part (a prefix of the pattern: a line whose start
 *   does not match it cannot match the whole).
 * Null when nothing useful is left (no anchor, case folding, or no part beyond the first).
 */
export function toLinearFilter(source: string, ignoreCase: boolean): RegExp | null {
  if (ignoreCase || !source.startsWith("^") || /\(\?[-imsU]/.test(source)) return null;
  let items: Item[];
  try {
    items = splitTopLevel(source.slice(1));
  } catch {
    // Syntax this splitter does not follow: no filter.
    return null;
  }
  // A pattern that is one group (`^(…)$`) is read inside it.
  while (items.length >= 1 && items.length <= 2 && items[0]!.group && !items[0]!.quantifier) {
    if (items.length === 2 && items[1]!.text !== "$") break;
    try {
      items = splitTopLevel(items[0]!.inner!);
    } catch {
      // The group's inside is not followed: keep the group whole.
      break;
    }
  }
  if (items.some((i) => i.text === "|")) return null;
  const kept: string[] = [];
  /** Index in `kept` of the unbounded repeat, if one was kept. */
  let run = -1;
  const queue = [...items];
  while (queue.length > 0) {
    const item = queue.shift()!;
    // A group that is neither repeated nor an alternation is read part by part.
    if (item.group && !item.quantifier && !accepts([...kept, item.text])) {
      const inner = splitOrNull(item.inner!);
      if (inner && !inner.some((i) => i.text === "|" || i.text === "$")) {
        queue.unshift(...inner);
        continue;
      }
    }
    if (item.text === "$") {
      if (accepts([...kept, "$"])) kept.push("$");
      break;
    }
    if (accepts([...kept, item.text])) {
      if (item.unbounded && run < 0) run = kept.length;
      kept.push(item.text);
      continue;
    }
    const chars = charsOf(item.text);
    // Nearly any character, repeated: the filter would say little from here on.
    if (chars === null || chars === ANY) break;
    const loose = `[${chars}]*`;
    if (loose && run < 0 && accepts([...kept, loose])) {
      run = kept.length;
      kept.push(loose);
      continue;
    }
    // Merge into the unbounded repeat kept before, when what lies between is single characters
    // with no literal run worth keeping.
    if (loose && run >= 0) {
      const between = kept.slice(run + 1);
      const all = [kept[run]!, ...between].map(charsOf);
      if (between.every(isSingle) && literalChars(between) < 2 && all.every((c) => c !== null && c !== ANY)) {
        const merged = `[${[...all, chars].join("")}]*`;
        const next = [...kept.slice(0, run), merged];
        if (accepts(next)) {
          kept.length = 0;
          kept.push(...next);
          continue;
        }
      }
    }
    break;
  }
  // A filter that ends at its repeat, or is a fixed text after blanks, says no more than the
  // anchored prefix does.
  if (run < 0 || run === kept.length - 1) return null;
  if (run === 0 && /^(?:\\s|\[\\t \]|\[ \\t\]| )[*+]$/.test(kept[0]!) && kept.slice(1).every(isLiteral)) return null;
  return toLinearJs("^" + kept.join(""), false);
}

function splitOrNull(src: string): Item[] | null {
  try {
    return splitTopLevel(src);
  } catch {
    // Not followed: the group is kept or relaxed whole.
    return null;
  }
}

function isLiteral(part: string): boolean {
  return /^(?:\\[^A-Za-z0-9]|[^\\[(.^$|*+?{])$/.test(part);
}

function accepts(parts: readonly string[]): boolean {
  return toLinearJs("^" + parts.join(""), false) !== null;
}

export interface Item {
  /** The item's source: an atom and its repeat. */
  readonly text: string;
  readonly group: boolean;
  /** A group's source between its parentheses, after `?:` or a name. */
  readonly inner?: string;
  readonly quantifier: string;
  readonly unbounded: boolean;
}

/** Splits a concatenation into atoms with their repeats (`|` comes back as its own item). */
export function splitTopLevel(src: string): Item[] {
  const items: Item[] = [];
  let i = 0;
  while (i < src.length) {
    const start = i;
    const c = src[i]!;
    let group = false;
    let inner: string | undefined;
    if (c === "|" || c === "$") {
      items.push({ text: c, group: false, quantifier: "", unbounded: false });
      i++;
      continue;
    }
    if (c === "\\") i += 2;
    else if (c === "[") i = classEnd(src, i);
    else if (c === "(") {
      const end = groupEnd(src, i);
      group = true;
      const head = /^\((?:\?:|\?P?<[A-Za-z_]\w*>)?/.exec(src.slice(i))![0];
      inner = src.slice(i + head.length, end - 1);
      i = end;
    } else i++;
    const q = /^(?:[*+?]|\{\d+(?:,\d*)?\})\??/.exec(src.slice(i));
    const quantifier = q ? q[0] : "";
    i += quantifier.length;
    items.push({
      text: src.slice(start, i),
      group,
      ...(inner === undefined ? {} : { inner }),
      quantifier,
      unbounded: /^[*+]|^\{\d+,\}/.test(quantifier),
    });
  }
  return items;
}

function classEnd(src: string, i: number): number {
  let j = i + 1;
  if (src[j] === "^") j++;
  if (src[j] === "]") j++;
  while (j < src.length && src[j] !== "]") j += src[j] === "\\" ? 2 : 1;
  if (j >= src.length) throw new SyntaxError("unterminated class");
  return j + 1;
}

function groupEnd(src: string, i: number): number {
  let depth = 0;
  for (let j = i; j < src.length; j++) {
    const c = src[j];
    if (c === "\\") j++;
    else if (c === "[") j = classEnd(src, j) - 1;
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return j + 1;
  }
  throw new SyntaxError("unbalanced group");
}

const ANY = "^\\n";

/**
 * The characters a part can hold, as the inside of an RE2 class (`^\n` for nearly any), or null
 * when that is not followed (POSIX or Unicode classes, escapes not known here).
 */
function charsOf(text: string): string | null {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\") {
      const e = text[++i];
      if (e === undefined) return null;
      if ("dws".includes(e)) out += "\\" + e;
      else if ("DWS".includes(e)) return ANY;
      else if (e === "b" || e === "B") continue;
      else if ("tnrfv".includes(e)) out += "\\" + e;
      else if (/[A-Za-z0-9]/.test(e)) return null;
      else out += "\\" + e;
    } else if (c === "[") {
      if (text[i + 1] === "^") return ANY;
      const end = classEnd(text, i);
      const body = text.slice(i + 1, end - 1);
      if (body.includes("[:") || /\\[pPQE]/.test(body)) return null;
      if (/\\[DWS]/.test(body)) return ANY;
      out += body.startsWith("]") ? "\\" + body : body;
      i = end - 1;
    } else if (c === ".") return ANY;
    else if (c === "(") {
      const head = /^\((?:\?:|\?P?<[A-Za-z_]\w*>)?/.exec(text.slice(i));
      if (!head) return null;
      i += head[0].length - 1;
    } else if (c === "{") {
      const q = /^\{\d+(?:,\d*)?\}/.exec(text.slice(i));
      if (q) i += q[0].length - 1;
      else out += "\\{";
    } else if (!")|*+?^$".includes(c)) out += /[\]\-\\^]/.test(c) ? "\\" + c : c;
  }
  return out === "" ? null : out;
}

/** A single character or class with any repeat (no group). */
function isSingle(text: string): boolean {
  return !text.startsWith("(") && splitTopLevel(text).length === 1;
}

/** How many literal characters the parts hold (not classes or escapes standing for classes). */
function literalChars(parts: readonly string[]): number {
  let n = 0;
  for (const p of parts) if (!p.startsWith("[") && !/^\\[dDwWsSbB]/.test(p) && !p.startsWith(".")) n++;
  return n;
}
