import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { matcherSubmatches, submatchSearch } from "../../../src/sentinel/regex/submatch-search.js";
import { toLinearJs } from "../../../src/sentinel/regex/linear-js.js";
import { builtinPatterns } from "./builtin-patterns.js";
import { realLogLines } from "./real-log-lines.js";

const { RE2JS } = createRequire(import.meta.url)("re2js") as typeof import("re2js");

describe("the one-search submatch search", () => {
  it("uses re2js's one-search findSubmatch (an upgrade that drops it would quietly search twice again)", () => {
    const re = RE2JS.compile("a(b)?c");
    const program = (re as unknown as { re2Input: { findSubmatch: unknown } }).re2Input;
    expect(typeof program.findSubmatch).toBe("function");
    expect(submatchSearch(re)("xxabcx")).toEqual(["abc", "b"]);
    expect(submatchSearch(re)("xxacx")).toEqual(["ac", null]);
    expect(submatchSearch(re)("xxx")).toBeNull();
  });

  // The engine takes a finding's file, line and message from the groups: one search must find
  // the same match and the same groups as the Matcher's two, or a finding would change.
  it("finds what the Matcher finds for every builtin pattern re2js runs on every real log line", async () => {
    const patterns = (await builtinPatterns()).filter((p) => toLinearJs(p.source, p.ignoreCase) === null);
    const lines = realLogLines();
    const differences: string[] = [];
    let matches = 0;
    for (const p of patterns) {
      const re = RE2JS.compile(p.source, p.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
      const search = submatchSearch(re);
      for (const line of lines) {
        const expected = matcherSubmatches(re, line);
        const actual = search(line);
        if (expected !== null) matches++;
        if (JSON.stringify(actual) !== JSON.stringify(expected)) differences.push(`${p.id}: ${line}`);
      }
    }
    expect(differences).toEqual([]);
    expect(patterns.length).toBeGreaterThan(50);
    expect(matches).toBeGreaterThan(200);
  });
});
