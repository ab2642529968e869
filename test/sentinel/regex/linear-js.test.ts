import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import { compilePattern, type PatternMatch } from "../../../src/sentinel/regex/compile-pattern.js";
import { toLinearJs, toLinearJsForLines } from "../../../src/sentinel/regex/linear-js.js";
import { builtinPatterns } from "./builtin-patterns.js";
import { realLogLines } from "./real-log-lines.js";

/** Deterministic PRNG so a failure names a reproducible case. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Atoms and input characters where RE2 and JavaScript could part: Unicode spaces, an astral
// character, a lone surrogate, `\r` and U+2028 (not `.` in JavaScript), brackets and braces.
const ATOMS = [
  ..."ab:-{]",
  "é",
  "✖",
  " ",
  "\\.",
  "\\s",
  "\\S",
  "\\d",
  "\\D",
  "\\w",
  "\\W",
  "\\b",
  "\\t",
  "\\/",
  "\\-",
  "\\{",
  "\\*",
  "\\|",
  ".",
];
const CLASSES = ["[ab]", "[^a\\s]", "[\\d:]", "[a-c]", "[]a]", "[^]a]", "[a-]", "x{,2}"];
const INPUT = [..."abx1_:.-/{}]*|,", "é", "✖", " ", "\t", "\r", "😀", "\u2028", "\u00a0", "\ud800"];

function randomPattern(r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const piece = (depth: number): string => {
    const roll = r();
    if (roll < 0.15 && depth < 2) {
      const open = pick(["(", "(?:", "(?P<g" + Math.floor(r() * 1e6) + ">"]);
      const alts = Array.from({ length: 1 + Math.floor(r() * 2) }, () => seq(depth + 1)).join("|");
      return open + alts + ")" + pick(["", "", "?", "??", "{1,2}", "{2}", "*"]);
    }
    return (
      pick(r() < 0.8 ? ATOMS : CLASSES) +
      pick(["", "", "", "?", "*", "+", "+?", "*?", "??", "{2}", "{0}", "{1,3}", "{2,}"])
    );
  };
  const seq = (depth: number) => Array.from({ length: Math.floor(r() * 5) }, () => piece(depth)).join("");
  return pick(["^", "^", ""]) + seq(0) + pick(["$", "", ""]);
}

function re2Exec(re: RE2JS, input: string): Array<string | undefined> | null {
  const m = re.matcher(input);
  if (!m.find()) return null;
  return Array.from({ length: re.groupCount() + 1 }, (_, i) => m.group(i) ?? undefined);
}

describe("patterns run on V8's engine", () => {
  it("match exactly as RE2 does, groups included, for thousands of random patterns and lines", () => {
    const r = rng(7);
    let compared = 0;
    const failures: string[] = [];
    for (let n = 0; n < 6000 && failures.length < 5; n++) {
      const source = randomPattern(r);
      let re: RE2JS;
      try {
        re = RE2JS.compile(source);
      } catch {
        continue; // not RE2 syntax: compilePattern refuses it before toLinearJs is asked
      }
      // (Meaning is the same on any input; single-line plans differ only in where they are linear.)
      const js = toLinearJsForLines(source, false)?.js;
      if (!js) continue;
      for (let k = 0; k < 12; k++) {
        const input = Array.from({ length: Math.floor(r() * 12) }, () => INPUT[Math.floor(r() * INPUT.length)]).join(
          "",
        );
        const m = js.exec(input);
        const got = m ? Array.from(m) : null;
        const want = re2Exec(re, input);
        compared++;
        if (JSON.stringify(got) !== JSON.stringify(want))
          failures.push(
            `${JSON.stringify(source)} on ${JSON.stringify(input)}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`,
          );
      }
    }
    expect(failures).toEqual([]);
    expect(compared).toBeGreaterThan(10_000);
  });

  it("match exactly as RE2 does, groups included, for every builtin pattern V8 runs on every real log line", async () => {
    const patterns = (await builtinPatterns()).filter((p) => toLinearJsForLines(p.source, p.ignoreCase) !== null);
    const lines = realLogLines();
    const differences: string[] = [];
    let matches = 0;
    for (const p of patterns) {
      const js = toLinearJsForLines(p.source, p.ignoreCase)!.js;
      const re = RE2JS.compile(p.source);
      for (const line of lines) {
        const m = js.exec(line);
        const want = re2Exec(re, line);
        if (want) matches++;
        if (JSON.stringify(m ? Array.from(m) : null) !== JSON.stringify(want)) differences.push(`${p.id}: ${line}`);
      }
    }
    expect(differences).toEqual([]);
    expect(patterns.length).toBeGreaterThan(200);
    expect(matches).toBeGreaterThan(1000);
  });

  it("take a file pattern whose repeat stops a few characters before its guard, and one an optional part follows", () => {
    for (const p of [
      "^\\s*(?P<file>[^\\s:][^:]*\\.(?:lua|rockspec|luacheckrc)):(?P<line>\\d+):(?P<column>\\d+)(?:-\\d+)?: (?P<message>.+)$",
      "^\\s*(?P<file>(?:[A-Za-z]:)?[^\\s:][^:]*\\.(?:c|cc|cpp|cxx|h|hh|hpp)):(?P<line>\\d+):(?:(?P<column>\\d+):)? (?P<message>.+)$",
      "^([a-z][a-z0-9-]*(?:\\[[a-z0-9-]+\\])?): (.*?)(?: \\((warning)\\))?$",
      // The README's example of a rule that runs on V8.
      "^(?P<file>[^\\s:][^:]*\\.py):(?P<line>\\d+):(?:(?P<column>\\d+):)? (?P<message>.+)$",
      // An optional group with optional parts inside.
      "^build succeeded(?:, \\d+ warnings?)?\\.$",
    ])
      expect(toLinearJs(p, false), p).not.toBeNull();
  });

  it("leave to RE2 a repeat whose guard is too far, or any branch of a long alternation may reach", () => {
    for (const p of [
      // 17 characters between the repeat and its guard.
      "^[^:]*\\.abcdefghijklmnop:.*",
      // Bounded items between the repeat and its guard, then a second free repeat.
      "^[^:]*\\.(?:c|h):.*:.*",
      // A repeated group holding a repeat guarded at a distance: each repetition would multiply
      // the ends that get past the guard.
      "^(?:[^:]*[:a]{16}:){10}x",
      "^(?:[^:]*\\.c:){2}x",
      // A repeated group ending in a repeat its own start may follow.
      "^(?:a\\d+){2}:",
      // A guarded repeat after the free one whose fence is optional, or inside its set: each
      // count of the free one could walk the same run again.
      "^(.*)\\s?(\\d+)(?:-x)?:$",
      "^(.*)[\\d:](\\d+)$",
      // Bounded repeats long enough that a retry from each start (or each count of the free
      // repeat) costs hundreds of steps: 121 ms to 2.2 s on a 32 KB line, where re2js takes ~0.
      "[^:]{1000}:",
      "^.*[^:]{1000}:",
      "\\S{0,15}\\S{900}:",
      "(?:(?:[^:]{60}){10}){10}:",
      // The README's example of two open-ended parts in a row.
      "^(.+): (.*) \\[(\\w+)\\]$",
      // Seventeen branches that are not plain text, each of which may match.
      "^(?:" + Array.from({ length: 17 }, (_, i) => `a{${i % 3}}\\d`).join("|") + "):.*",
    ])
      expect(toLinearJs(p, false), p).toBeNull();
  });

  it("include the catch-all problem-matcher patterns", () => {
    for (const p of ["^([^\\s].*)$", "^(\\S.*)$", "^.*$", "^$", "^ {4}\\S.*$", "^(?P<file>\\S.*\\.ya?ml)$"])
      expect(toLinearJs(p, false), p).not.toBeNull();
  });

  it("take a repeat the character after it stops, as in file:line:column patterns", () => {
    for (const p of [
      "^(?P<file>[^\\s:][^:]*):(?P<line>\\d+):(?P<column>\\d+): (?P<message>.+)$",
      "^(error|warning)(?:\\[(\\w+)\\])?: (.+)$",
    ])
      expect(toLinearJs(p, false), p).not.toBeNull();
  });

  it("leave to RE2 a stopped repeat after a free one, or one a group repeats around", () => {
    for (const p of ["^(.*)\\w(\\w+)\\]$", "^(?:,\\w+){1,10}$", "^\\w*(?:[^:]*:)x", "^[^:]*[^,]*,", "^(?:a|[^:]*):x.*"])
      expect(toLinearJs(p, false), p).toBeNull();
  });

  it("leave to RE2 every pattern whose backtracking could be more than linear", () => {
    for (const p of [
      "(a+)+$",
      "^(.+)(\\d+)$",
      "^a|b.*",
      "x.*y",
      "^(?:ab|a)*c",
      "^(a|b){1,12}(a|b){1,12}c",
      "^\\s+\\S+\\(.*\\)$",
      "^()?x",
    ])
      expect(toLinearJs(p, false), p).toBeNull();
  });

  it("take a repeat after the free one when the character before it is required and outside its set", () => {
    // Entries at different places walk disjoint runs: a run entered earlier stops at the fence of
    // a later entry, so all counts of the free repeat together walk the line about once. (The
    // first is the README's example.)
    for (const p of [
      "^(.+):(?P<line>\\d+)$",
      "^(.+):(\\d+)$",
      "^(.*)\\[(\\w+)\\]$",
      "^(.*)\\s(\\d+)(?:-x)?:$",
      "^\\s+(\\S+\\.go):(\\d+)(?: \\+0x[0-9a-f]+)?$",
    ])
      expect(toLinearJs(p, false), p).not.toBeNull();
  });

  it("take a trailing `.*` after the free repeat, on single lines when a `$` follows it", () => {
    // Python's traceback line: once `.+` is entered the match runs to the line's end.
    const traceback = toLinearJsForLines('^\\s+File "(.+)", line (\\d+)(?:, in .+)?$', false);
    expect(traceback?.singleLine).toBe(true);
    expect(toLinearJs('^\\s+File "(.+)", line (\\d+)(?:, in .+)?$', false)).toBeNull();
    expect(toLinearJsForLines("^(\\S+)x.*", false)).toEqual({ js: /^([^\t\n\f\r ]+)x[^\n]*/u, singleLine: false });
    // A pattern linear on any input is not limited to lines.
    expect(toLinearJsForLines("^(?P<m>.+)$", false)?.singleLine).toBe(false);
  });

  it("leave to RE2 a `.*` after the free repeat that more of the pattern follows", () => {
    for (const p of ["^(.+)x.*y$", "^(.+)(?:x.*)*$", "^(.+)(?:x.*|y)$", "^(.+)(?:x.*){2}$", "^(.+)x[^:]*$"])
      expect(toLinearJsForLines(p, false), p).toBeNull();
  });

  it("leave to RE2 what it might read differently: case folding, flags, Unicode and POSIX classes", () => {
    for (const [p, i] of [
      ["^error: .*$", true],
      ["(?i)^error", false],
      ["^\\pL+$", false],
      ["^[[:alpha:]]+$", false],
      ["^\\Qa.b\\E.*$", false],
      ["^😀.*$", false],
    ] as const)
      expect(toLinearJs(p, i), p).toBeNull();
  });

  it("gives compiled patterns the same groups and names either way", () => {
    const p = compilePattern("^(?P<file>[^\\s:]+\\.go)$", { origin: "test" });
    const m = p.exec("cmd/main.go")!;
    expect([...m.groups]).toEqual(["cmd/main.go", "cmd/main.go"]);
    expect({ ...m.named }).toEqual({ file: "cmd/main.go" });
    expect(p.exec("cmd/main.go:3")).toBeNull();
    expect(p.test("a.go")).toBe(true);
  });

  it("runs a single-line pattern on re2js for an input holding a newline", () => {
    const source = '^\\s+File "(.+)", line (\\d+)(?:, in .+)?$';
    // A stand-in for V8 that would answer wrongly: only inputs without a newline may reach it.
    const plan = { js: /^never$/u, singleLine: true, filters: [] };
    const p = compilePattern(source, { origin: "test", plan });
    expect(p.exec('\n  File "a.py", line 3, in f')?.groups).toEqual(['\n  File "a.py", line 3, in f', "a.py", "3"]);
    expect(p.test('  File "a\nb.py", line 3')).toBe(false);
    expect(p.test('  File "a.py", line 3')).toBe(false);
  });

  it("runs the builtin single-line patterns on V8 for lines and on re2js across lines, alike", () => {
    const source = '^\\s+File "(.+)", line (\\d+)(?:, in .+)?$';
    const fast = compilePattern(source, { origin: "test" });
    const slow = compilePattern(source, { origin: "test", plan: { js: null, singleLine: false, filters: [] } });
    const shape = (m: PatternMatch | null) => m && { groups: [...m.groups], named: { ...m.named } };
    for (const input of ['  File "a.py", line 3, in f', '\n  File "a.py", line 3', '  File "a.py",\n line 3', "  File"])
      expect(shape(fast.exec(input)), JSON.stringify(input)).toEqual(shape(slow.exec(input)));
  });
});
