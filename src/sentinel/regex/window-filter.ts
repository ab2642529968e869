import { toLinearJs } from "./linear-js.js";
import { splitTopLevel, type Item } from "./linear-filter.js";

/**
 * Cheap necessary conditions for a pattern that re2js must run: JavaScript RegExps, each of which
 * every line the pattern matches also matches, for V8 to try before re2js does. Each is a window
 * of the pattern: a run of consecutive parts with no unbounded repeat, which any match holds as
 * one stretch of text. `^\s*(?P<file>[^:]*\.(?:c|h)):(?P<line>\d+): (?P<severity>error|warning): (?P<message>.+)$`
 * gives `\.(?:c|h):\d` and `\d: (?P<severity>error|warning): [^\n]`: a line with "index.rst:4:
 * WARNING:" fails both in a scan V8 does at native speed, where re2js's backtracker spends
 * microseconds finding out that the pattern fails too.
 *
 * A window is cut from the pattern as it is, so it means what it means there:
 * - groups that neither repeat nor branch are read part by part (their parts follow in order);
 * - a part repeated without bound ends the window before it, except that `X+` / `X{n,}` ends it
 *   with X / X{n} (the repeat's first iterations) and starts the next window with X (its last);
 * - `^` stays on the first window when nothing lies before it, `$` on the last likewise.
 * Windows without an unbounded repeat run in time linear in the line whether anchored or not
 * (linear-js.ts accepts them, or they are dropped), and mean in V8 what they mean in RE2.
 * Empty when unsure (case folding, inline flags, a top-level `|`) or when no window has a few
 * characters a line must hold (`minWeight`, lowered by tests to try more windows): running re2js
 * alone is always correct.
 */
export function toWindowFilters(source: string, ignoreCase: boolean, minWeight = MIN_WEIGHT): RegExp[] {
  if (ignoreCase || INLINE_FLAGS.test(source) || SPLIT_ESCAPES.test(source)) return [];
  let items: Item[];
  try {
    items = flatten(splitTopLevel(source.startsWith("^") ? source.slice(1) : source));
  } catch {
    // Syntax the splitter does not follow: no windows.
    return [];
  }
  if (items.some((i) => i.text === "|")) return [];
  const windows: Window[] = [];
  let current: Window = { parts: source.startsWith("^") ? ["^"] : [], weight: 0 };
  const close = () => {
    windows.push(current);
    current = { parts: [], weight: 0 };
  };
  for (const item of items) {
    if (item.text === "$") {
      current.parts.push("$");
      continue;
    }
    if (!item.unbounded && bounded(item)) {
      current.parts.push(item.text);
      current.weight += weight(item);
      continue;
    }
    const first = item.unbounded && !item.group ? mandatoryPart(item) : null;
    if (first) {
      current.parts.push(first.text);
      current.weight += first.weight;
    }
    close();
    if (first) {
      current.parts.push(first.text);
      current.weight += first.weight;
    }
  }
  close();
  return windows
    .filter((w) => w.weight >= minWeight)
    .sort((a, b) => b.weight - a.weight)
    .slice(0, MAX_WINDOWS)
    .flatMap((w) => {
      const js = toLinearJs(w.parts.join(""), false);
      return js ? [js] : [];
    });
}

interface Window {
  readonly parts: string[];
  /** Roughly how many literal characters a line must hold for the window to match. */
  weight: number;
}

const INLINE_FLAGS = /\(\?[-imsU]/;
/**
 * Spellings the splitter reads as several parts (`\x41`, `\pL`, `\Q…\E`, octal `\101`, a POSIX
 * class's inner `]`): a window may not start inside one, where its tail would read as literal text.
 * (A prefix filter never starts there, so linear-filter.ts needs no such check.)
 */
const SPLIT_ESCAPES = /\\[xpPQ0-7]|\[:/;
/** A window must need about this many literal characters to be worth a scan of the line. */
const MIN_WEIGHT = 3;
/** At most this many windows per pattern, the heaviest. */
const MAX_WINDOWS = 2;

/** Groups that neither repeat nor branch, replaced by their parts (recursively). */
function flatten(items: readonly Item[]): Item[] {
  return items.flatMap((item) => {
    if (!item.group || item.quantifier !== "") return [item];
    const inner = splitTopLevel(item.inner!);
    return inner.some((i) => i.text === "|" || i.text === "$") ? [item] : flatten(inner);
  });
}

/** No unbounded repeat anywhere in the item. */
function bounded(item: Item): boolean {
  if (item.unbounded) return false;
  if (!item.group) return true;
  return splitTopLevel(item.inner!).every(bounded);
}

/** `X+` → X, `X{3,}` → X{3} (a single character or class, repeated without bound at least once). */
function mandatoryPart(item: Item): { text: string; weight: number } | null {
  const atom = item.text.slice(0, item.text.length - item.quantifier.length);
  const q = /^(?:\+|\{(\d+),\})\??$/.exec(item.quantifier);
  if (!q) return null;
  const times = q[1] === undefined ? 1 : Number(q[1]);
  if (times === 0) return null;
  const text = times === 1 ? atom : `${atom}{${times}}`;
  return { text, weight: isLiteral(atom) ? Math.min(times, 3) : 0 };
}

/** Literal characters a match of the item must hold (alternatives: the fewest of any branch). */
function weight(item: Item): number {
  if (/^(?:\?|\*|\{0[,}])/.test(item.quantifier)) return 0;
  if (!item.group) return isLiteral(item.text.slice(0, item.text.length - item.quantifier.length)) ? 1 : 0;
  const branches: Item[][] = [[]];
  for (const i of splitTopLevel(item.inner!)) {
    if (i.text === "|") branches.push([]);
    else branches[branches.length - 1]!.push(i);
  }
  return Math.min(...branches.map((b) => b.reduce((n, i) => n + weight(i), 0)));
}

function isLiteral(atom: string): boolean {
  return /^(?:\\[^A-Za-z0-9]|[^\\[(.^$|*+?{])$/.test(atom);
}
