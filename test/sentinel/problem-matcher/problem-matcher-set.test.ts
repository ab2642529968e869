import { describe, expect, it } from "vitest";
import {
  parseProblemMatchers,
  ProblemMatcherSet,
  type ProblemMatcherDefinition,
} from "../../../src/sentinel/problem-matcher/index.js";

function defs(...owners: Array<[owner: string, regexp: string]>): ProblemMatcherDefinition[] {
  const { matchers, errors } = parseProblemMatchers(
    { problemMatcher: owners.map(([owner, regexp]) => ({ owner, pattern: [{ regexp, message: 1 }] })) },
    "set-test",
  );
  expect(errors).toEqual([]);
  return matchers;
}

describe("ProblemMatcherSet", () => {
  it("puts a file's matchers in front in file order, as later steps see them", () => {
    const set = new ProblemMatcherSet(defs(["old", "(.+)"]));
    set.add(defs(["a", "(.+)"], ["b", "(.+)"]));
    expect(set.owners).toEqual(["a", "b", "old"]);
  });

  it("reverses a file's order when its matchers are added one by one, as in the step that adds them", () => {
    const set = new ProblemMatcherSet();
    for (const definition of defs(["a", "(.+)"], ["b", "(.+)"])) set.add(definition);
    expect(set.owners).toEqual(["b", "a"]);
  });

  it("replaces a matcher whose owner differs only in case", () => {
    const set = new ProblemMatcherSet(defs(["Lint", "^old: (.+)$"], ["other", "^other: (.+)$"]));
    set.add(defs(["LINT", "^new: (.+)$"]));
    expect(set.owners).toEqual(["LINT", "other"]);
    expect(set.match("old: x")).toBeNull();
    expect(set.match("new: x")?.owner).toBe("LINT");
  });

  it("removes matchers by owner ignoring case and says whether it removed any", () => {
    const set = new ProblemMatcherSet(defs(["a", "(.+)"], ["b", "(.+)"]));
    expect(set.remove("A")).toBe(true);
    expect(set.remove("missing")).toBe(false);
    expect(set.owners).toEqual(["b"]);
  });

  it("gives a line to the first matcher in order that annotates it", () => {
    const set = new ProblemMatcherSet(defs(["first", "^x: (.+)$"], ["second", "^(.+)$"]));
    expect(set.match("x: y")?.owner).toBe("first");
    expect(set.match("z")?.owner).toBe("second");
  });

  it("passes a line on when the matching matcher's severity is unsupported, after resetting the others", () => {
    const { matchers } = parseProblemMatchers(
      {
        problemMatcher: [
          { owner: "sev", pattern: [{ regexp: "^(\\w+): (.+)$", severity: 1, message: 2 }] },
          { owner: "multi", pattern: [{ regexp: "^start$" }, { regexp: "^(.+)$", message: 1 }] },
        ],
      },
      "set-test",
    );
    const debug: string[] = [];
    const set = new ProblemMatcherSet(matchers, { debug: (m) => debug.push(m) });
    expect(set.match("start")).toBeNull();
    expect(set.inProgress).toBe(true);
    // "sev" matches with severity "info" (dropped) and resets "multi", which then sees the line afresh.
    expect(set.match("info: hi")).toBeNull();
    expect(set.inProgress).toBe(false);
    expect(debug).toEqual([
      "Skipped logging an issue for the matched line because the severity 'info' is not supported.",
    ]);
  });

  it("says whether a partial match is held after every match, reset, add and remove", () => {
    const { matchers } = parseProblemMatchers(
      { problemMatcher: [{ owner: "multi", pattern: [{ regexp: "^start$" }, { regexp: "^(.+)$", message: 1 }] }] },
      "set-test",
    );
    const twoStep = matchers[0]!;
    const set = new ProblemMatcherSet([twoStep]);
    expect(set.inProgress).toBe(false);
    set.match("start");
    expect(set.inProgress).toBe(true);
    set.reset();
    expect(set.inProgress).toBe(false);
    set.match("start");
    set.match("the end");
    expect(set.inProgress).toBe(false);
    set.match("start");
    set.remove("multi");
    expect(set.inProgress).toBe(false);
    set.add(twoStep);
    set.match("start");
    set.add(defs(["other", "^(x)$"]));
    expect(set.inProgress).toBe(true);
  });

  it("normalises notice and keeps line numbers within Int32", () => {
    const { matchers } = parseProblemMatchers(
      {
        problemMatcher: [
          { owner: "n", pattern: [{ regexp: "^(\\w+) (\\d+): (.+)$", severity: 1, line: 2, message: 3 }] },
        ],
      },
      "set-test",
    );
    const set = new ProblemMatcherSet(matchers);
    expect(set.match("NOTICE 7: fyi")).toMatchObject({ severity: "notice", line: 7 });
    expect(set.match("notice 2147483648: too big")).not.toHaveProperty("line");
  });

  it("drops a match whose message is only whitespace", () => {
    const set = new ProblemMatcherSet(defs(["blank", "^blank:(.*)$"]));
    expect(set.match("blank:   ")).toBeNull();
  });
});
