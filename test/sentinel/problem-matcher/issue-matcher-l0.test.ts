/**
 * Port of actions/runner `src/Test/L0/Worker/IssueMatcherL0.cs`, every case, same inputs and
 * expected values. Read at blob commit fd5d315a0b85a3742f03d459991e6c08fb7dd5b0 (2dbb8be5ee86…
 * holds the same 22 cases in another order), against `src/Runner.Worker/IssueMatcher.cs` at
 * 14096a7ee46e9612b3729d33557e9b4d5f4eb89b (the version that accepts `notice`).
 *
 * `Assert.Throws<ArgumentException>(() => config.Validate())` becomes "parsing reports the runner's
 * message and loads no matcher"; the runner stops at its first error, so that is the error checked
 * first. Each "sanity test" that edits the config object and validates again is its own case, with
 * the edited config written out. No case uses .NET-only regex syntax, so RE2 runs them all.
 */
import { describe, expect, it } from "vitest";
import { parseProblemMatchers, ProblemMatcherState } from "../../../src/sentinel/problem-matcher/index.js";

interface PatternConfig {
  regexp: string;
  file?: number;
  line?: number;
  column?: number;
  severity?: number;
  code?: number;
  message?: number;
  fromPath?: number;
  loop?: boolean;
}

function config(owner: string, pattern: PatternConfig[], severity?: string): unknown {
  return { problemMatcher: [{ owner, ...(severity === undefined ? {} : { severity }), pattern }] };
}

function parse(json: unknown) {
  return parseProblemMatchers(json, "IssueMatcherL0");
}

function expectValid(json: unknown): void {
  const { matchers, errors } = parse(json);
  expect(errors).toEqual([]);
  expect(matchers.length).toBeGreaterThan(0);
}

function expectRejected(json: unknown, path: string, message: string): void {
  const { matchers, errors } = parse(json);
  expect(matchers).toEqual([]);
  expect(errors[0]).toEqual({ path, code: "E_PROBLEM_MATCHER", message });
}

function matcherFor(json: unknown): ProblemMatcherState {
  const { matchers, errors } = parse(json);
  expect(errors).toEqual([]);
  return new ProblemMatcherState(matchers[0]!);
}

describe("IssueMatcherL0 Config_Validate_Loop_MayNotBeSetOnSinglePattern", () => {
  it("rejects loop on a matcher with a single pattern", () => {
    expectRejected(
      config("myMatcher", [{ regexp: "^error: (.+)$", message: 1, loop: true }]),
      "problemMatcher[0].pattern[0].loop",
      "Only the last pattern in a multiline matcher may set 'loop'",
    );
  });

  it("accepts the same looping pattern once a pattern precedes it", () => {
    expectValid(
      config("myMatcher", [
        { regexp: "^file: (.+)$", file: 1 },
        { regexp: "^error: (.+)$", message: 1, loop: true },
      ]),
    );
  });
});

describe("IssueMatcherL0 Config_Validate_Loop_OnlyAllowedOnLastPattern", () => {
  it("rejects loop on a middle pattern", () => {
    expectRejected(
      config("myMatcher", [
        { regexp: "^(error)$", severity: 1 },
        { regexp: "^file: (.+)$", file: 1, loop: true },
        { regexp: "^error: (.+)$", message: 1 },
      ]),
      "problemMatcher[0].pattern[1].loop",
      "Only the last pattern in a multiline matcher may set 'loop'",
    );
  });

  it("accepts loop moved to the last pattern", () => {
    expectValid(
      config("myMatcher", [
        { regexp: "^(error)$", severity: 1 },
        { regexp: "^file: (.+)$", file: 1, loop: false },
        { regexp: "^error: (.+)$", message: 1, loop: true },
      ]),
    );
  });
});

describe("IssueMatcherL0 Config_Validate_Loop_MustSetMessage", () => {
  it("rejects a loop pattern that does not set message", () => {
    expectRejected(
      config("myMatcher", [
        { regexp: "^file: (.+)$", message: 1 },
        { regexp: "^file: (.+)$", file: 1, loop: true },
      ]),
      "problemMatcher[0].pattern[1].loop",
      "The loop pattern must set 'message'",
    );
  });

  it("accepts the same patterns without loop", () => {
    expectValid(
      config("myMatcher", [
        { regexp: "^file: (.+)$", message: 1 },
        { regexp: "^file: (.+)$", file: 1, loop: false },
      ]),
    );
  });
});

describe("IssueMatcherL0 Config_Validate_Message_AllowedInFirstPattern", () => {
  it("accepts message set by the first of two patterns", () => {
    expectValid(
      config("myMatcher", [
        { regexp: "^file: (.+)$", message: 1 },
        { regexp: "^error: (.+)$", file: 1 },
      ]),
    );
  });
});

describe("IssueMatcherL0 Config_Validate_Message_Required", () => {
  it("rejects a matcher in which no pattern sets message", () => {
    expectRejected(
      config("myMatcher", [{ regexp: "^error: (.+)$", file: 1 }]),
      "problemMatcher[0].pattern",
      "At least one pattern must set 'message'",
    );
  });

  it("accepts the pattern once it sets message instead of file", () => {
    expectValid(config("myMatcher", [{ regexp: "^error: (.+)$", message: 1 }]));
  });
});

describe("IssueMatcherL0 Config_Validate_Owner_Distinct", () => {
  const second = { owner: "MYmatcher", pattern: [{ regexp: "^ERR: (.+)$", message: 1 }] };

  it("rejects two matchers whose owners differ only in case", () => {
    const first = { owner: "myMatcher", pattern: [{ regexp: "^error: (.+)$", message: 1 }] };
    expectRejected({ problemMatcher: [first, second] }, "problemMatcher[1].owner", "Duplicate owner name 'MYmatcher'");
  });

  it("accepts the two matchers once the first owner is renamed", () => {
    const first = { owner: "asdf", pattern: [{ regexp: "^error: (.+)$", message: 1 }] };
    expectValid({ problemMatcher: [first, second] });
  });
});

describe("IssueMatcherL0 Config_Validate_Owner_Required", () => {
  it("rejects an empty owner", () => {
    expectRejected(
      config("", [{ regexp: "^error: (.+)$", message: 1 }]),
      "problemMatcher[0].owner",
      "Owner must not be empty",
    );
  });

  it("accepts the matcher once it has an owner", () => {
    expectValid(config("asdf", [{ regexp: "^error: (.+)$", message: 1 }]));
  });
});

describe("IssueMatcherL0 Config_Validate_Pattern_Required", () => {
  it("rejects an empty pattern array", () => {
    expectRejected(
      config("myMatcher", []),
      "problemMatcher[0].pattern",
      "Matcher 'myMatcher' does not contain any patterns",
    );
  });

  it("accepts the matcher once it has a pattern", () => {
    expectValid(config("myMatcher", [{ regexp: "^error: (.+)$", message: 1 }]));
  });
});

describe("IssueMatcherL0 Config_Validate_PropertyMayNotBeSetTwice", () => {
  it("rejects file set by two patterns of one matcher", () => {
    expectRejected(
      config("myMatcher", [
        { regexp: "^severity: (.+)$", file: 1 },
        { regexp: "^file: (.+)$", file: 1 },
        { regexp: "^(.+)$", message: 1 },
      ]),
      "problemMatcher[0].pattern[1].file",
      "The property 'file' is set twice",
    );
  });

  it("accepts the patterns once the first sets severity instead", () => {
    expectValid(
      config("myMatcher", [
        { regexp: "^severity: (.+)$", severity: 1 },
        { regexp: "^file: (.+)$", file: 1 },
        { regexp: "^(.+)$", message: 1 },
      ]),
    );
  });
});

describe("IssueMatcherL0 Config_Validate_PropertyOutOfRange", () => {
  it("rejects a group number beyond the pattern's groups", () => {
    expectRejected(
      config("myMatcher", [{ regexp: "^(.+)$", message: 2 }]),
      "problemMatcher[0].pattern[0].message",
      "The property 'message' is set to 2 which is out of range",
    );
  });

  it("accepts group 1 of a pattern with one group", () => {
    expectValid(config("myMatcher", [{ regexp: "^(.+)$", message: 1 }]));
  });
});

describe("IssueMatcherL0 Config_Validate_PropertyOutOfRange_LessThanZero", () => {
  it("rejects a negative group number", () => {
    expectRejected(
      config("myMatcher", [{ regexp: "^(.+)$", message: -1 }]),
      "problemMatcher[0].pattern[0].message",
      "The property 'message' is set to -1 which is out of range",
    );
  });

  it("accepts group 1 instead", () => {
    expectValid(config("myMatcher", [{ regexp: "^(.+)$", message: 1 }]));
  });
});

describe("IssueMatcherL0 Matcher_MultiplePatterns_DefaultSeverity", () => {
  it("fills an empty severity from the matcher default and keeps a matched one", () => {
    const matcher = matcherFor(
      config(
        "myMatcher",
        [
          { regexp: "^(ERROR)?(?: )?(.+):$", severity: 1, code: 2 },
          { regexp: "^(.+)$", message: 1 },
        ],
        "warning",
      ),
    );

    matcher.match("ABC:");
    let match = matcher.match("not-working");
    expect(match?.severity).toBe("warning");
    expect(match?.code).toBe("ABC");
    expect(match?.message).toBe("not-working");

    matcher.match("ERROR ABC:");
    match = matcher.match("not-working");
    expect(match?.severity).toBe("ERROR");
    expect(match?.code).toBe("ABC");
    expect(match?.message).toBe("not-working");
  });
});

describe("IssueMatcherL0 Matcher_MultiplePatterns_Loop_AccumulatesStatePerLine", () => {
  it("yields one match per looping line and starts over after a line that breaks the loop", () => {
    const matcher = matcherFor(
      config("myMatcher", [
        { regexp: "^(.+)$", file: 1 },
        { regexp: "^(.+)$", code: 1 },
        { regexp: "^message:(.+)$", message: 1, loop: true },
      ]),
    );
    expect(matcher.match("file1")).toBeNull();
    expect(matcher.match("code1")).toBeNull();
    expect(matcher.match("message:message1")).toMatchObject({ file: "file1", code: "code1", message: "message1" });
    // sanity check loop
    expect(matcher.match("message:message1-2")).toMatchObject({ file: "file1", code: "code1", message: "message1-2" });
    matcher.match("abc"); // discarded
    expect(matcher.match("file2")).toBeNull();
    expect(matcher.match("code2")).toBeNull();
    expect(matcher.match("message:message2")).toMatchObject({ file: "file2", code: "code2", message: "message2" });
    matcher.match("abc"); // discarded
    matcher.match("abc"); // discarded
    expect(matcher.match("file3")).toBeNull();
    expect(matcher.match("code3")).toBeNull();
    expect(matcher.match("message:message3")).toMatchObject({ file: "file3", code: "code3", message: "message3" });
  });
});

describe("IssueMatcherL0 Matcher_MultiplePatterns_Loop_BrokenMatchClearsState", () => {
  it("clears the running match when a line breaks the loop", () => {
    const matcher = matcherFor(
      config("myMatcher", [
        { regexp: "^(.+)$", file: 1 },
        { regexp: "^(.+)$", severity: 1 },
        { regexp: "^message:(.+)$", message: 1, loop: true },
      ]),
    );
    expect(matcher.match("my-file.cs")).toBeNull(); // file
    expect(matcher.match("real-bad")).toBeNull(); // severity
    expect(matcher.match("message:not-working")).toMatchObject({
      file: "my-file.cs",
      severity: "real-bad",
      message: "not-working",
    });
    expect(matcher.match("message:problem")).toMatchObject({
      file: "my-file.cs",
      severity: "real-bad",
      message: "problem",
    });
    expect(matcher.match("other-file.cs")).toBeNull(); // file - breaks the loop
    // severity - also matches the message pattern, so enough earlier state must have been cleared
    expect(matcher.match("message:not-good")).toBeNull();
    expect(matcher.match("message:broken")).toMatchObject({
      file: "other-file.cs",
      severity: "message:not-good",
      message: "broken",
    });
  });
});

describe("IssueMatcherL0 Matcher_MultiplePatterns_Loop_ExtractsProperties", () => {
  it("carries earlier lines' properties into every looped match", () => {
    const matcher = matcherFor(
      config("myMatcher", [
        { regexp: "^file:(.+) fromPath:(.+)$", file: 1, fromPath: 2 },
        { regexp: "^severity:(.+)$", severity: 1 },
        {
          regexp: "^line:(.+) column:(.+) code:(.+) message:(.+)$",
          line: 1,
          column: 2,
          code: 3,
          message: 4,
          loop: true,
        },
      ]),
    );
    expect(matcher.match("file:my-file.cs fromPath:my-project.proj")).toBeNull();
    expect(matcher.match("severity:real-bad")).toBeNull();
    const carried = { file: "my-file.cs", fromPath: "my-project.proj", severity: "real-bad" };
    expect(matcher.match("line:123 column:45 code:uh-oh message:not-working")).toMatchObject({
      ...carried,
      line: "123",
      column: "45",
      code: "uh-oh",
      message: "not-working",
    });
    expect(matcher.match("line:234 column:56 code:yikes message:broken")).toMatchObject({
      ...carried,
      line: "234",
      column: "56",
      code: "yikes",
      message: "broken",
    });
    expect(matcher.match("line:345 column:67 code:failed message:cant-do-that")).toMatchObject({
      ...carried,
      line: "345",
      column: "67",
      code: "failed",
      message: "cant-do-that",
    });
  });
});

describe("IssueMatcherL0 Matcher_MultiplePatterns_NonLoop_AccumulatesStatePerLine", () => {
  it("needs the whole sequence again after each match", () => {
    const matcher = matcherFor(
      config("myMatcher", [
        { regexp: "^(.+)$", file: 1 },
        { regexp: "^(.+)$", code: 1 },
        { regexp: "^message:(.+)$", message: 1 },
      ]),
    );
    expect(matcher.match("file1")).toBeNull();
    expect(matcher.match("code1")).toBeNull();
    expect(matcher.match("message:message1")).toMatchObject({ file: "file1", code: "code1", message: "message1" });
    matcher.match("abc"); // discarded
    expect(matcher.match("file2")).toBeNull();
    expect(matcher.match("code2")).toBeNull();
    expect(matcher.match("message:message2")).toMatchObject({ file: "file2", code: "code2", message: "message2" });
    matcher.match("abc"); // discarded
    matcher.match("abc"); // discarded
    expect(matcher.match("file3")).toBeNull();
    expect(matcher.match("code3")).toBeNull();
    expect(matcher.match("message:message3")).toMatchObject({ file: "file3", code: "code3", message: "message3" });
    expect(matcher.match("message:message3")).toBeNull(); // sanity check not loop
  });
});

describe("IssueMatcherL0 Matcher_MultiplePatterns_NonLoop_DoesNotLoop", () => {
  it("does not match the last pattern twice in a row", () => {
    const matcher = matcherFor(
      config("myMatcher", [
        { regexp: "^file:(.+)$", file: 1 },
        { regexp: "^message:(.+)$", message: 1 },
      ]),
    );
    expect(matcher.match("file:my-file.cs")).toBeNull();
    expect(matcher.match("message:not-working")).toMatchObject({ file: "my-file.cs", message: "not-working" });
    expect(matcher.match("message:not-working")).toBeNull();
  });
});

describe("IssueMatcherL0 Matcher_MultiplePatterns_NonLoop_ExtractsProperties", () => {
  it("combines the properties of three lines into one match", () => {
    const matcher = matcherFor(
      config("myMatcher", [
        { regexp: "^file:(.+) fromPath:(.+)$", file: 1, fromPath: 2 },
        { regexp: "^severity:(.+)$", severity: 1 },
        { regexp: "^line:(.+) column:(.+) code:(.+) message:(.+)$", line: 1, column: 2, code: 3, message: 4 },
      ]),
    );
    expect(matcher.match("file:my-file.cs fromPath:my-project.proj")).toBeNull();
    expect(matcher.match("severity:real-bad")).toBeNull();
    expect(matcher.match("line:123 column:45 code:uh-oh message:not-working")).toMatchObject({
      file: "my-file.cs",
      fromPath: "my-project.proj",
      severity: "real-bad",
      line: "123",
      column: "45",
      code: "uh-oh",
      message: "not-working",
    });
    expect(matcher.match("line:123 column:45 code:uh-oh message:not-working")).toBeNull(); // sanity check not loop
  });
});

describe("IssueMatcherL0 Matcher_MultiplePatterns_NonLoop_MatchClearsState", () => {
  it("starts a fresh match after completing one", () => {
    const matcher = matcherFor(
      config("myMatcher", [
        { regexp: "^(.+)$", file: 1 },
        { regexp: "^(.+)$", severity: 1 },
        { regexp: "^(.+)$", message: 1 },
      ]),
    );
    expect(matcher.match("my-file.cs")).toBeNull(); // file
    expect(matcher.match("real-bad")).toBeNull(); // severity
    expect(matcher.match("not-working")).toMatchObject({
      file: "my-file.cs",
      severity: "real-bad",
      message: "not-working",
    });
    expect(matcher.match("other-file.cs")).toBeNull(); // file
    expect(matcher.match("not-good")).toBeNull(); // severity
    expect(matcher.match("broken")).toMatchObject({ file: "other-file.cs", severity: "not-good", message: "broken" });
  });
});

describe("IssueMatcherL0 Matcher_SetsOwner", () => {
  it("exposes the configured owner", () => {
    const matcher = matcherFor(config("myMatcher", [{ regexp: "^(.+)$", message: 1 }]));
    expect(matcher.owner).toBe("myMatcher");
  });
});

describe("IssueMatcherL0 Matcher_SinglePattern_DefaultSeverity", () => {
  it("uses the default severity only when the severity group is empty", () => {
    const matcher = matcherFor(
      config("myMatcher", [{ regexp: "^(ERROR)?(?: )?(.+): (.+)$", severity: 1, code: 2, message: 3 }], "warning"),
    );

    let match = matcher.match("ABC: not-working");
    expect(match?.severity).toBe("warning");
    expect(match?.code).toBe("ABC");
    expect(match?.message).toBe("not-working");

    match = matcher.match("ERROR ABC: not-working");
    expect(match?.severity).toBe("ERROR");
    expect(match?.code).toBe("ABC");
    expect(match?.message).toBe("not-working");
  });
});

describe("IssueMatcherL0 Matcher_SinglePattern_ExtractsProperties", () => {
  it("maps every property from one line", () => {
    const matcher = matcherFor(
      config("myMatcher", [
        {
          regexp: "^file:(.+) line:(.+) column:(.+) severity:(.+) code:(.+) message:(.+) fromPath:(.+)$",
          file: 1,
          line: 2,
          column: 3,
          severity: 4,
          code: 5,
          message: 6,
          fromPath: 7,
        },
      ]),
    );
    const match = matcher.match(
      "file:my-file.cs line:123 column:45 severity:real-bad code:uh-oh message:not-working fromPath:my-project.proj",
    );
    expect(match).toMatchObject({
      file: "my-file.cs",
      line: "123",
      column: "45",
      severity: "real-bad",
      code: "uh-oh",
      message: "not-working",
      fromPath: "my-project.proj",
    });
  });
});
