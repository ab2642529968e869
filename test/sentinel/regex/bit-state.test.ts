import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { bitStateSearch, type Re2Program } from "../../../src/sentinel/regex/bit-state.js";
import { submatchSearch } from "../../../src/sentinel/regex/submatch-search.js";
import { toLinearJs } from "../../../src/sentinel/regex/linear-js.js";
import { builtinPatterns } from "./builtin-patterns.js";
import { realLogLines } from "./real-log-lines.js";

const { RE2JS } = createRequire(import.meta.url)("re2js") as typeof import("re2js");

type Search = (input: string) => ReadonlyArray<string | null> | null;

/** re2js's own one-search answer, and the table-driven copy of its backtracker (null: not used). */
function bothSearches(source: string, ignoreCase = false): { re2js: Search; copy: Search | null } {
  const re = RE2JS.compile(source, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  const program = (re as unknown as { re2Input: Re2Program }).re2Input;
  const re2js = (input: string) => program.findSubmatch!(input);
  return { re2js, copy: bitStateSearch(program, re2js) };
}

/** A small, seeded generator (mulberry32): the same cases on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Characters that reach every path: ASCII words and not, a newline, two-byte, astral pairs, a lone surrogate. */
const ALPHABET = ["a", "b", "A", "_", "1", ":", " ", "(", ".", "\n", "é", "ß", "😀", "\ud800", "\udc00"];

function randomText(next: () => number, max: number): string {
  let s = "";
  const n = Math.floor(next() * max);
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return s;
}

/** A random RE2 pattern over ALPHABET's characters with repeats (greedy and lazy), groups, classes and assertions. */
function randomPattern(next: () => number, depth = 0): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const atom = (): string => {
    const r = next();
    if (depth < 2 && r < 0.2) return `(${randomPattern(next, depth + 1)})`;
    if (depth < 2 && r < 0.3) return `(?:${randomPattern(next, depth + 1)})`;
    if (r < 0.45) return pick(["a", "b", "A", "_", "1", ":", " ", "\\(", "\\.", "é", "😀"]);
    if (r < 0.6) return pick(["[ab]", "[^:]", "[^\\s:]", "[a-zé]", "[^a]", "\\w", "\\W", "\\s", "\\d", "[😀a]"]);
    if (r < 0.7) return ".";
    if (r < 0.8) return pick(["\\b", "\\B", "^", "$"]);
    return pick(["a", ":", "\\s"]);
  };
  const piece = (): string => {
    const a = atom();
    if (/^(?:\\b|\\B|\^|\$)$/.test(a)) return a;
    const r = next();
    if (r < 0.5) return a;
    return a + pick(["*", "+", "?", "*?", "+?", "??", "{1,3}", "{2}", "{0,2}?"]);
  };
  const sequence = () => Array.from({ length: 1 + Math.floor(next() * 4) }, piece).join("");
  const branches = next() < 0.25 ? 2 : 1;
  const body = Array.from({ length: branches }, sequence).join("|");
  if (depth > 0) return body;
  return pick(["", "", "^", "(?i)", "(?s)", "(?m)^"]) + body;
}

describe("re2js's bit-state backtracker over flat tables", () => {
  it("finds what re2js finds for every builtin pattern re2js runs, on every real log line", async () => {
    const patterns = (await builtinPatterns()).filter((p) => toLinearJs(p.source, p.ignoreCase) === null);
    const lines = realLogLines();
    const differences: string[] = [];
    let copied = 0;
    let matches = 0;
    for (const p of patterns) {
      const { re2js, copy } = bothSearches(p.source, p.ignoreCase);
      if (!copy) continue;
      copied++;
      for (const line of lines) {
        const expected = re2js(line);
        if (expected !== null) matches++;
        if (JSON.stringify(copy(line)) !== JSON.stringify(expected)) differences.push(`${p.id}: ${line}`);
      }
    }
    expect(differences).toEqual([]);
    // Most of them run here (the rest are one-pass programs, which re2js runs its own way).
    expect(copied).toBeGreaterThan(patterns.length / 2);
    expect(matches).toBeGreaterThan(200);
  });

  it("finds what re2js finds for 4,000 random patterns on random text with newlines, accents, astral characters and lone surrogates", () => {
    const next = random(20261208);
    const differences: string[] = [];
    let compared = 0;
    let matched = 0;
    for (let i = 0; i < 4000; i++) {
      const source = randomPattern(next);
      let searches: ReturnType<typeof bothSearches>;
      try {
        searches = bothSearches(source, next() < 0.2);
      } catch {
        // (A random pattern RE2 refuses, such as a repeat of an empty-width assertion.)
        continue;
      }
      const { re2js, copy } = searches;
      if (!copy) continue;
      for (let k = 0; k < 12; k++) {
        const text = randomText(next, 24);
        const expected = re2js(text);
        compared++;
        if (expected !== null) matched++;
        const actual = copy(text);
        if (JSON.stringify(actual) !== JSON.stringify(expected))
          differences.push(`${JSON.stringify(source)} on ${JSON.stringify(text)}: ${JSON.stringify(actual)}`);
      }
    }
    expect(differences.slice(0, 10)).toEqual([]);
    expect(compared).toBeGreaterThan(20_000);
    expect(matched).toBeGreaterThan(compared / 5);
  });

  it("hands a line too long for its visited set to re2js, which answers it", () => {
    const { re2js, copy } = bothSearches(
      "^(?P<file>[^:]*?[^\\s:])\\((?P<line>\\d+)\\): (?P<message>.+?)(?: \\[x\\])?$",
    );
    const line = "a".repeat(200_000) + "(12): message [x]";
    expect(copy).not.toBeNull();
    expect(copy!(line)).toEqual(re2js(line));
    expect(copy!(line)![2]).toBe("12");
  });

  it("answers as re2js does on the longest line it takes, where its stack grows deepest", () => {
    // Ambiguous alternatives under a lazy repeat, failing at the end: every (instruction,
    // position) pair is visited and the job stack grows with the line. The line is as long as
    // the visited set allows for this program (MAX_BACKTRACK_VECTOR / its size).
    const source = "^(?:a|ab|b)*?(?P<tail>b+)c$";
    const { re2js, copy } = bothSearches(source);
    const size = (RE2JS.compile(source) as unknown as { re2Input: Re2Program }).re2Input.prog!.numInst();
    const length = Math.floor(262144 / size);
    for (const line of ["ab".repeat(length / 2).slice(0, length), "ab".repeat(length / 2 - 2) + "bbc"]) {
      expect(copy!(line)).toEqual(re2js(line));
    }
    // And a short line after it, from the same grown stack and visited set.
    expect(copy!("abbc")).toEqual(re2js("abbc"));
  });

  it("is not used for a one-pass program, which re2js runs its own way", () => {
    expect(bothSearches("^abc(d)?$").copy).toBeNull();
  });

  it("is what the engine's searches run on", () => {
    const re = RE2JS.compile("^(?P<file>[^:]*?[^\\s:])\\((?P<line>\\d+)\\): (?P<message>.+?)(?: \\[[^\\]]+\\])?$");
    expect(submatchSearch(re)("src/a b.c(12): it broke [proj]")).toEqual([
      "src/a b.c(12): it broke [proj]",
      "src/a b.c",
      "12",
      "it broke",
    ]);
  });
});
