import { describe, expect, it } from "vitest";
import {
  MAX_MATCHER_FILE_LENGTH,
  parseProblemMatcherText,
  parseProblemMatchers,
  ProblemMatcherState,
} from "../../../src/sentinel/problem-matcher/index.js";

const simple = { owner: "simple", pattern: [{ regexp: "^error: (.+)$", message: 1 }] };

describe("parseProblemMatcherText", () => {
  it("reports text that is not JSON as an error instead of throwing", () => {
    const { matchers, errors } = parseProblemMatcherText("{ nope", "bad.json");
    expect(matchers).toEqual([]);
    expect(errors).toEqual([
      { path: "", code: "E_PROBLEM_MATCHER", message: expect.stringMatching(/^bad\.json: not valid JSON \(/) },
    ]);
  });

  it("accepts the comments and trailing commas Json.NET accepts", () => {
    const text = `\uFEFF{
      // copied from the toolkit docs
      "problemMatcher": [
        { "owner": "c", /* inline */ "pattern": [ { "regexp": "^// (.+)$", "message": 1, }, ], },
      ],
    }`;
    const { matchers, errors } = parseProblemMatcherText(text, "commented.json");
    expect(errors).toEqual([]);
    expect(new ProblemMatcherState(matchers[0]!).match("// not a comment")?.message).toBe("not a comment");
  });

  it("refuses a file larger than any matcher file", () => {
    const { errors } = parseProblemMatcherText(" ".repeat(MAX_MATCHER_FILE_LENGTH + 1), "huge.json");
    expect(errors[0]?.code).toBe("E_RULE_FILE_TOO_LARGE");
  });
});

describe("parseProblemMatchers", () => {
  it("loads nothing, without error, from null or a file without problemMatcher", () => {
    expect(parseProblemMatchers(null, "x")).toEqual({ matchers: [], errors: [] });
    expect(parseProblemMatchers({ other: 1 }, "x")).toEqual({ matchers: [], errors: [] });
  });

  it("rejects a top-level value that is not an object", () => {
    expect(parseProblemMatchers([simple], "x").errors[0]?.path).toBe("");
  });

  it("loads no matcher at all when one matcher in the file is invalid, as the runner rejects the file", () => {
    const { matchers, errors } = parseProblemMatchers(
      { problemMatcher: [simple, { owner: "", pattern: simple.pattern }] },
      "x",
    );
    expect(matchers).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual(["Owner must not be empty"]);
  });

  it("drops only the matcher whose regexp RE2 cannot run, since the runner would load the file", () => {
    const lookbehind = { owner: "lookbehind", pattern: [{ regexp: "(?<!x)y(.+)", message: 1 }] };
    const { matchers, errors } = parseProblemMatchers({ problemMatcher: [lookbehind, simple] }, "mixed.json");
    expect(matchers.map((m) => m.owner)).toEqual(["simple"]);
    expect(errors).toEqual([
      {
        path: "problemMatcher[0].pattern[0].regexp",
        code: "E_PATTERN_SYNTAX",
        message: expect.stringContaining("mixed.json: problemMatcher[0].pattern[0].regexp"),
      },
    ]);
  });

  it("rejects a default severity other than error, warning or notice", () => {
    const { errors } = parseProblemMatchers({ problemMatcher: [{ ...simple, severity: "info" }] }, "x");
    expect(errors).toEqual([
      {
        path: "problemMatcher[0].severity",
        code: "E_PROBLEM_MATCHER",
        message: "Matcher 'simple' contains unexpected default severity 'info'",
      },
    ]);
  });

  it("accepts a default severity in any case and keeps it as written", () => {
    const { matchers } = parseProblemMatchers({ problemMatcher: [{ ...simple, severity: "Notice" }] }, "x");
    expect(matchers[0]?.severity).toBe("Notice");
  });

  it("binds members case-insensitively and ignores unknown ones, like Json.NET", () => {
    const { matchers, errors } = parseProblemMatchers(
      {
        problemMatcher: [
          { Owner: "cased", kind: "x", Pattern: [{ Regexp: "^(.+):(\\d+)$", File: 1, location: 2, message: 1 }] },
        ],
      },
      "x",
    );
    expect(errors).toEqual([]);
    expect(matchers[0]).toMatchObject({ owner: "cased", patterns: [{ file: 1, message: 1 }] });
  });

  it("reports a group number that is not an integer", () => {
    const { errors } = parseProblemMatchers(
      { problemMatcher: [{ owner: "x", pattern: [{ regexp: "(.+)", message: "1" }] }] },
      "x",
    );
    expect(errors[0]).toMatchObject({ path: "problemMatcher[0].pattern[0].message" });
  });

  it("treats a missing regexp as the empty pattern, which matches every line", () => {
    const { matchers, errors } = parseProblemMatchers(
      { problemMatcher: [{ owner: "all", pattern: [{ message: 0 }] }] },
      "x",
    );
    expect(errors).toEqual([]);
    expect(new ProblemMatcherState(matchers[0]!).match("anything")).toMatchObject({ message: "" });
  });

  it("numbers named groups after unnamed ones, as .NET does", () => {
    // .NET: (\d+) is group 1, (.+) group 2 and (?<path>…) group 3; RE2 numbers them 2, 3 and 1.
    const { matchers, errors } = parseProblemMatchers(
      {
        problemMatcher: [
          { owner: "named", pattern: [{ regexp: "^(?<path>[^:]+):(\\d+): (.+)$", file: 3, line: 1, message: 2 }] },
        ],
      },
      "x",
    );
    expect(errors).toEqual([]);
    expect(new ProblemMatcherState(matchers[0]!).match("src/a.ts:12: broken")).toMatchObject({
      file: "src/a.ts",
      line: "12",
      message: "broken",
    });
  });

  it("compiles regexps case-sensitively, as the runner does not pass IgnoreCase", () => {
    const { matchers } = parseProblemMatchers({ problemMatcher: [simple] }, "x");
    expect(new ProblemMatcherState(matchers[0]!).match("ERROR: loud")).toBeNull();
  });
});
