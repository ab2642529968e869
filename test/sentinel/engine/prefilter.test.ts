import { describe, expect, it } from "vitest";
import { buildPrefilter, literalsIn } from "../../../src/sentinel/engine/prefilter.js";
import { requiredLiterals } from "../../../src/sentinel/engine/required-literals.js";

describe("required literals of a pattern", () => {
  it.each([
    ["^npm (ERR!|error) code E404", ["npm err! code e404", "npm error code e404"]],
    ["^(?P<file>[^:\\s]+\\.py):(?P<line>\\d+): (?P<msg>.*)$", [".py:"]],
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

describe("the byte prefilter", () => {
  const pf = buildPrefilter(["error ts", "failed", "fail", "npm error"]);
  const find = (s: string) => [...literalsIn(pf, Buffer.from(s), 0, Buffer.byteLength(s))].map((i) => pf.literals[i]).sort();

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

  it("builds quickly even for long literals sharing case-folded prefixes", () => {
    const big = buildPrefilter(Array.from({ length: 300 }, (_, i) => `Failed Tests/Flaky_Quarantine_${i}_`.repeat(2)));
    expect(big.stateCount).toBeGreaterThan(300);
  });
});
