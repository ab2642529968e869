import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import { toWindowFilters } from "../../../src/sentinel/regex/window-filter.js";
import { builtinPatterns } from "./builtin-patterns.js";
import { randomGen, rng } from "./random-patterns.js";
import { realLogLines } from "./real-log-lines.js";

const C_DIAGNOSTIC =
  "^\\s*(?P<file>(?:[A-Za-z]:)?[^\\s:][^:]*\\.(?:c|cc|cpp|h|hpp)):(?P<line>\\d+):(?:(?P<column>\\d+):)? " +
  "(?P<severity>error|fatal error|warning): (?P<message>.+)$";

describe("the window filters of a pattern", () => {
  // re2js only runs on a line every window passes: a window that turns away a line its pattern
  // matches would silently lose a finding.
  it("pass every line their pattern matches, for thousands of random patterns", () => {
    const r = rng(14);
    const failures: string[] = [];
    let windows = 0;
    let checked = 0;
    for (let n = 0; n < 8000 && failures.length < 5; n++) {
      const gen = randomGen(r);
      const source = (r() < 0.5 ? "^" : "") + gen.source + (r() < 0.3 ? "$" : "");
      let re: RE2JS;
      try {
        re = RE2JS.compile(source);
      } catch {
        continue; // not RE2 syntax
      }
      // Any window at all, not only those worth a scan: more of them are tried.
      const filters = toWindowFilters(source, false, 0);
      if (filters.length === 0) continue;
      windows += filters.length;
      for (let k = 0; k < 10; k++) {
        const line = (r() < 0.5 ? "" : "head ") + gen.sample() + (r() < 0.5 ? "" : " tail");
        if (!re.test(line)) continue;
        checked++;
        for (const f of filters)
          if (!f.test(line)) failures.push(`${source} -> ${f.source} missed ${JSON.stringify(line)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(windows).toBeGreaterThan(2000);
    expect(checked).toBeGreaterThan(5000);
  });

  // Sampled matches only cover what the generator can sample; random lines over a small alphabet
  // reach the spellings it cannot (escapes, POSIX and Unicode classes, quoting, empty matches).
  it("pass every random line their pattern matches, for patterns with every kind of part", () => {
    const r = rng(41);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const atoms = ["a", "b", "A", ":", " ", "\\.", "\\d", "\\w", "\\s", "\\S", "[^:]", "[a-c]", ".", "\\x41"];
    atoms.push("\\pL", "[[:digit:]]", "\\Qa.\\E", "\\A", "\\z", "\\b", "\\B", "😀", "x{,2}", "(?:ab|c)", "(a)");
    atoms.push("(?P<n>b:)", "[]a]", "[^]a]", "\\{", "é");
    const quantifiers = ["", "", "", "*", "+", "?", "{2}", "{1,}", "{2,}", "+?", "*?", "{0,}"];
    const alphabet = ["a", "b", "A", ":", " ", ".", "1", "x", "😀", "é", "ab", "c", "{", "]", "\t", "b:"];
    const failures: string[] = [];
    let checked = 0;
    for (let n = 0; n < 6000 && failures.length < 5; n++) {
      const parts = Array.from({ length: 1 + Math.floor(r() * 7) }, () => pick(atoms) + pick(quantifiers));
      const source = (r() < 0.4 ? "^" : "") + parts.join("") + (r() < 0.3 ? "$" : "");
      let re: RE2JS;
      try {
        re = RE2JS.compile(source);
      } catch {
        continue; // not RE2 syntax
      }
      const filters = toWindowFilters(source, false, 0);
      for (let k = 0; k < 40 && filters.length > 0; k++) {
        const line = Array.from({ length: Math.floor(r() * 10) }, () => pick(alphabet)).join("");
        if (!re.test(line)) continue;
        checked++;
        for (const f of filters)
          if (!f.test(line)) failures.push(`${source} -> ${f.source} missed ${JSON.stringify(line)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(10000);
  });

  it("pass every real log line a builtin pattern matches", async () => {
    const lines = realLogLines();
    const failures: string[] = [];
    let windows = 0;
    let matched = 0;
    for (const p of await builtinPatterns()) {
      const filters = toWindowFilters(p.source, p.ignoreCase);
      if (filters.length === 0) continue;
      windows += filters.length;
      const re = RE2JS.compile(p.source, p.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
      for (const line of lines) {
        if (filters.every((f) => f.test(line))) {
          if (re.test(line)) matched++;
          continue;
        }
        if (re.test(line)) failures.push(`${p.id}: ${JSON.stringify(line)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(windows).toBeGreaterThan(100);
    expect(matched).toBeGreaterThan(500);
  });

  it("turn away a compiler diagnostic's pattern from a line with its words in another case", () => {
    const filters = toWindowFilters(C_DIAGNOSTIC, false);
    expect(filters.length).toBeGreaterThan(0);
    const ok = (line: string) => filters.every((f) => f.test(line));
    expect(ok("src/main.c:12:5: error: expected ';' before '}' token")).toBe(true);
    expect(ok("docs/index.rst:4: WARNING: toctree contains reference to nonexisting document")).toBe(false);
  });

  it("keep the first character of a `+` repeat at both ends of the windows it splits", () => {
    const sources = toWindowFilters('^\\s+File "(.+)", line (\\d+)(?:, in .+)?$', false).map((f) => f.source);
    expect(sources).toContain('[^\\n]", line \\d');
  });

  it("are not made for escapes and classes that would be cut into pieces", () => {
    // `\x41+abc` matches "AAabc": a window starting inside the escape would require "1abc".
    for (const source of ["\\x41+abc", "\\pL+abc", "[[:alpha:]]+abc", "\\Qa+b\\E+abc", "\\101+abc"])
      expect(toWindowFilters(source, false, 0)).toEqual([]);
  });

  it("are not made for case-folding patterns, inline flags or a top-level alternation", () => {
    expect(toWindowFilters("error: (.+) at line \\d+", true)).toEqual([]);
    expect(toWindowFilters("(?i)error: (.+) at line \\d+", false)).toEqual([]);
    expect(toWindowFilters("error: (.+) at line \\d+|warning: (.+) at line \\d+", false)).toEqual([]);
  });
});
