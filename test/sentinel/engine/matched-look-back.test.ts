import { describe, expect, it } from "vitest";
import { matchedLookBack, newCandidates, type LineCandidates } from "../../../src/sentinel/engine/line-candidates.js";
import type { CompiledPattern } from "../../../src/sentinel/regex/compile-pattern.js";

/** A problem-matcher pattern that matches the lines `re` does, and counts its tests. */
function pattern(re: RegExp): CompiledPattern & { tests: number } {
  const p = {
    source: re.source,
    tests: 0,
    test(input: string) {
      p.tests++;
      return re.test(input);
    },
  };
  return p as unknown as CompiledPattern & { tests: number };
}

function candidates(...entries: [CompiledPattern, number][]): LineCandidates {
  const c = newCandidates();
  c.problemPatterns = entries.map(([p]) => p);
  c.problemLookBacks = entries.map(([, back]) => back);
  c.lookBack = Math.max(-1, ...entries.map(([, back]) => back));
  return c;
}

// ESLint stylish's loop pattern is its matcher's second (one line back); Elixir's warning is a
// matcher of its own first pattern. A `warning: ` line holds literals of both.
const eslintLoop = () => pattern(/^\s+(\d+):(\d+)\s+(error|warning)\s+(.*?)\s\s+([^\s(]\S*)$/);
const elixirWarning = () => pattern(/^warning: (.+)$/);

describe("how far back a line's problem-matcher trigger replays", () => {
  it("is as far as the deepest pattern that matches the line needs", () => {
    const c = candidates([eslintLoop(), 1], [elixirWarning(), 0]);
    expect(matchedLookBack(c, "warning: variable x is unused")).toBe(0);
  });

  it("reaches back for a pattern that matches the line", () => {
    const c = candidates([eslintLoop(), 1], [elixirWarning(), 0]);
    expect(matchedLookBack(c, "  3:7  warning  'x' is assigned a value but never used  no-unused-vars")).toBe(1);
  });

  it("is -1 when no pattern matches: the line is not fed", () => {
    const c = candidates([eslintLoop(), 1], [elixirWarning(), 0]);
    expect(matchedLookBack(c, "a line that merely says warning")).toBe(-1);
  });

  it("reads the line without the runner's colour codes, as the matchers do", () => {
    const c = candidates([elixirWarning(), 0]);
    // The runner's own spelling of an escape: NUL then `33[` (C#'s "\033[" read as "\0" "33[").
    expect(matchedLookBack(c, "\u000033[33mwarning: deprecated")).toBe(0);
  });

  it("does not test a pattern that could only reach back as far as one that matched", () => {
    const deep = pattern(/^E /);
    const shallow = pattern(/^E /);
    const c = candidates([deep, 2], [shallow, 1]);
    expect(matchedLookBack(c, "E boom")).toBe(2);
    expect(shallow.tests).toBe(0);
  });
});
