import { describe, expect, it } from "vitest";
import {
  buildPrefilter,
  ENTRY_BITS,
  FLAG_FOLLOW,
  FLAG_MASK,
  FLAG_MATCH,
  FLAG_REPORT,
  literalsIn,
  step,
} from "../../../src/sentinel/engine/prefilter.js";
import { requiredLiterals } from "../../../src/sentinel/engine/required-literals.js";
import { compilePattern } from "../../../src/sentinel/regex/compile-pattern.js";
import { anchoredPrefix, startsLike } from "../../../src/sentinel/regex/anchored-prefix.js";

/** Deterministic PRNG so a failure names a reproducible case. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}

interface Gen {
  readonly source: string;
  /** A string the piece matches (anchors excepted, so callers still check with the real regex). */
  readonly sample: () => string;
}

const pick = (r: () => number, xs: string): string => xs[Math.floor(r() * xs.length)]!;

/** A random regex together with a sampler of strings it matches, so most checks exercise a match. */
function randomPattern(r: () => number, depth = 0): Gen {
  const atoms: Array<[string, string]> = [
    ["a", "a"],
    ["b", "b"],
    ["c", "c"],
    [":", ":"],
    ["\\.", "."],
    [".", "aZ:.9 "],
    ["\\d", "0123456789"],
    ["[ab]", "ab"],
    ["[0-9]", "0123456789"],
    ["[a-e]", "abcde"],
    ["[^a]", "bcd:1"],
    ["\\w", "aB1_"],
    ["B", "B"],
    ["^", ""],
    ["$", ""],
  ];
  const parts: Gen[] = [];
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    let atom: Gen;
    if (depth < 2 && r() < 0.2) {
      const [x, y] = [randomPattern(r, depth + 1), randomPattern(r, depth + 1)];
      atom = { source: `(${x.source}|${y.source})`, sample: () => (r() < 0.5 ? x : y).sample() };
    } else {
      const [source, chars] = atoms[Math.floor(r() * atoms.length)]!;
      atom = { source, sample: () => (chars === "" ? "" : pick(r, chars)) };
    }
    const q = r();
    const inner = atom;
    const times = (min: number, max: number) => () => {
      let out = "";
      for (let k = min + Math.floor(r() * (max - min + 1)); k > 0; k--) out += inner.sample();
      return out;
    };
    if (q < 0.15) atom = { source: `${inner.source}+`, sample: times(1, 3) };
    else if (q < 0.25) atom = { source: `${inner.source}*`, sample: times(0, 3) };
    else if (q < 0.3) atom = { source: `${inner.source}?`, sample: times(0, 1) };
    else if (q < 0.35) atom = { source: `${inner.source}{2,3}`, sample: times(2, 3) };
    parts.push(atom);
  }
  return { source: parts.map((p) => p.source).join(""), sample: () => parts.map((p) => p.sample()).join("") };
}

describe("required literals of a pattern", () => {
  it.each([
    ["^npm (ERR!|error) code E404", ["npm err! code e404", "npm error code e404"]],
    ["^(?P<file>[^:\\s]+\\.py):(?P<line>\\d+): (?P<msg>.*)$", [...Array(10).keys()].map((d) => `.py:${d}`)],
    ["took (\\d+)ms", [...Array(10).keys()].map((d) => `took ${d}`)],
    ["(?i)heap out of memory", ["heap out of memory"]],
    ["[Ee]rror: (.*)", ["error: "]],
    ["exit code (137|143)", ["exit code 137", "exit code 143"]],
  ])("finds what every match of %s contains", (pattern, expected) => {
    expect(requiredLiterals(pattern)).toEqual(expected);
  });

  it.each(["(a+)+$", "^([^\\s].*)$", "\\d+:\\d+", "a?b?c?"])("answers null (run on every line) for %s", (pattern) => {
    expect(requiredLiterals(pattern)).toBeNull();
  });
});

describe("required literals are sound", () => {
  // Whatever the pattern, a line it matches must contain one of its literals, or the engine would
  // skip a line it should have matched.
  it("for thousands of random patterns against random lines", () => {
    const r = prng(7);
    const alphabet = "abcdeAB01234:.x ";
    const failures: string[] = [];
    let checked = 0;
    for (let p = 0; p < 3000; p++) {
      const gen = randomPattern(r);
      const literals = requiredLiterals(gen.source);
      if (!literals) continue;
      const pattern = compilePattern(gen.source, { origin: "fuzz" });
      for (let k = 0; k < 20; k++) {
        const noise = () => Array.from({ length: Math.floor(r() * 4) }, () => pick(r, alphabet)).join("");
        const line = k % 2 === 0 ? gen.sample() : noise() + gen.sample() + noise();
        if (!pattern.exec(line)) continue;
        checked++;
        if (!literals.some((l) => line.toLowerCase().includes(l)))
          failures.push(`${gen.source} ${JSON.stringify(literals)} missed ${JSON.stringify(line)}`);
      }
    }
    expect(failures.slice(0, 5)).toEqual([]);
    expect(checked).toBeGreaterThan(1000);
  });
});

describe("the anchored prefix of a pattern", () => {
  it.each([
    ["^FAIL\\s+(?P<pkg>\\S+)", ["fail"], false],
    ["^\\s*--> (?P<file>\\S+)", ["--> "], true],
    ["^npm (?:ERR!|error) code", ["npm err! code", "npm error code"], false],
    ["^\\[warn\\] (?P<file>.+)$", ["[warn] "], false],
    ["^Tests?: ", ["tests: ", "test: "], false],
    ["^a?bc", ["abc", "bc"], false],
    ["^(error|warning)(?:\\[(\\w+)\\])?: (.+)$", ["error", "warning"], false],
    ["^\\s+(\\d+):(\\d+)\\s+(error|warning)", [..."0123456789"].map((d) => d), true],
  ])("reads the text every match of %s starts with", (source, texts, afterBlanks) => {
    expect(anchoredPrefix(source, false)).toEqual({ texts, afterBlanks, ignoreCase: false });
  });

  it.each(["FAIL\\s+", "^(?:E\\s+)?MemoryError", "^a|^b", "^(?i)fail", "^\\w+x", "^.*error"])(
    "knows none for %s",
    (source) => {
      expect(anchoredPrefix(source, false)).toBeNull();
    },
  );

  it("turns lines away only when their start differs", () => {
    const prefix = anchoredPrefix("^\\s*error: ", true)!;
    expect(startsLike(prefix, "   ERROR: x")).toBe(true);
    expect(startsLike(prefix, "warning: error: x")).toBe(false);
  });

  it("lets a character RE2 folds to an ASCII letter through when the pattern ignores case", () => {
    expect(startsLike(anchoredPrefix("^kill", true)!, "\u212Aill")).toBe(true);
    expect(startsLike(anchoredPrefix("^kill", false)!, "\u212Aill")).toBe(false);
  });

  // A prefix that rejects a line its pattern matches would silently lose a finding.
  it("is sound for thousands of random anchored patterns", () => {
    const r = prng(11);
    const failures: string[] = [];
    let checked = 0;
    for (let p = 0; p < 3000; p++) {
      const gen = randomPattern(r);
      const blanks = r() < 0.3 ? "\\s*" : "";
      const source = `^${blanks}${gen.source}`;
      const ignoreCase = r() < 0.3;
      const prefix = anchoredPrefix(source, ignoreCase);
      if (!prefix) continue;
      const pattern = compilePattern(source, { origin: "fuzz", ignoreCase });
      for (let k = 0; k < 20; k++) {
        const lead = ["", " ", "\t ", "x"][Math.floor(r() * 4)]!;
        let line = lead + gen.sample();
        if (ignoreCase && r() < 0.5) line = line.toUpperCase();
        if (!pattern.exec(line)) continue;
        checked++;
        if (!startsLike(prefix, line))
          failures.push(`${source} ${JSON.stringify(prefix)} missed ${JSON.stringify(line)}`);
      }
    }
    expect(failures.slice(0, 5)).toEqual([]);
    expect(checked).toBeGreaterThan(300);
  });
});

describe("the byte prefilter", () => {
  const pf = buildPrefilter(["error ts", "failed", "fail", "npm error"]);
  const find = (s: string) =>
    [...literalsIn(pf, Buffer.from(s), 0, Buffer.byteLength(s))].map((i) => pf.literals[i]).sort();

  it("finds literals whatever their ASCII case", () => {
    expect(find("src/a.ts(1,2): ERROR TS2322: x")).toEqual(["error ts"]);
  });

  it("reports overlapping literals together", () => {
    expect(find("3 FAILED")).toEqual(["fail", "failed"]);
  });

  it("sees through ANSI colour codes inside a literal", () => {
    expect(find("npm \x1b[31merror\x1b[39m code E404")).toEqual(["npm error"]);
  });

  it("does not match across a newline", () => {
    expect(find("npm\nerror")).toEqual([]);
  });

  it("marks a state that only follow-up literals end in apart from other matches", () => {
    const follow = buildPrefilter(["error", "--> "], [false, true]);
    const flagOf = (text: string) => {
      let st = 0;
      let last = 0;
      for (const b of Buffer.from(text))
        [st, last] = [step(follow, st, b) & ~ENTRY_BITS, step(follow, st, b) & FLAG_MASK];
      return last;
    };
    expect(flagOf("error")).toBe(FLAG_MATCH);
    expect(flagOf("--> ")).toBe(FLAG_FOLLOW);
  });

  it("marks every state that ends a literal with FLAG_REPORT, a verify-only one too, and no other", () => {
    const pf = buildPrefilter(["error", ".c:"], ["trigger", "verify"]);
    const entries = (text: string) => {
      let st = 0;
      return [...Buffer.from(text)].map((b) => {
        const n = step(pf, st, b);
        st = n & ~ENTRY_BITS;
        return n;
      });
    };
    const reports = (text: string) => entries(text).map((n) => (n & FLAG_REPORT) !== 0);
    expect(reports("main.c: error")).toEqual([...Array(6).fill(false), true, ...Array(5).fill(false), true]);
    // The verify literal's state carries no flag: the scanner reads on through it.
    expect(entries("x.c:").map((n) => n & FLAG_MASK)).toEqual([0, 0, 0, 0]);
  });

  it("builds quickly even for long literals sharing case-folded prefixes", () => {
    const big = buildPrefilter(Array.from({ length: 300 }, (_, i) => `Failed Tests/Flaky_Quarantine_${i}_`.repeat(2)));
    expect(big.stateCount).toBeGreaterThan(300);
  });
});
