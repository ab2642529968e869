/**
 * Port of the matching, fromPath and path cases of actions/runner
 * `src/Test/L0/Worker/OutputManagerL0.cs`, read at blob commit
 * 28a6301051ee3f74ee734d32cf43b2b4290bd9d0 (includes the ssh-remote case of MatcherFile), against
 * `src/Runner.Worker/Handlers/OutputManager.cs` at 010917e67bb4244d09766ec86597eb44f5880c1a.
 *
 * The harness stands in for OnDataReceived: a line the set turns into a ProblemMatch is an issue
 * (`_issues`), any other line is plain output (`_messages`), and the set's debug texts are
 * recorded as `##[debug]…` messages as the runner writes them.
 *
 * Not ported, because they test the runner's process plumbing rather than matching:
 * - MatcherDoesNotReceiveCommand: `::`/`##[` command lines are taken by the command manager before
 *   matchers run; deciding what is a command is the caller's job here.
 * - MatcherFile_JobContainer, MatcherFile_StepContainer: container-to-host path translation; a
 *   downloaded log carries no container mapping.
 * MatcherTimeout is ported with RE2's behaviour asserted instead (see that case).
 */
import { describe, expect, it } from "vitest";
import {
  parseProblemMatchers,
  ProblemMatcherSet,
  resolveMatchPath,
  type ProblemMatch,
  type ProblemMatcherDefinition,
  type ResolveMatchPathOptions,
} from "../../../src/sentinel/problem-matcher/index.js";

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

function matcher(owner: string, ...pattern: PatternConfig[]): { owner: string; pattern: PatternConfig[] } {
  return { owner, pattern };
}

/** IssueMatchersConfig.Validate() then the matchers, as Setup() and Add() do. */
function definitions(...matchers: Array<{ owner: string; pattern: PatternConfig[] }>): ProblemMatcherDefinition[] {
  const { matchers: parsed, errors } = parseProblemMatchers({ problemMatcher: matchers }, "OutputManagerL0");
  expect(errors).toEqual([]);
  return parsed;
}

function setup(...initial: Array<{ owner: string; pattern: PatternConfig[] }>) {
  const issues: ProblemMatch[] = [];
  const messages: string[] = [];
  const set = new ProblemMatcherSet(initial.length > 0 ? definitions(...initial) : [], {
    debug: (message) => messages.push(`##[debug]${message}`),
  });
  return {
    issues,
    messages,
    process(line: string): void {
      const issue = set.match(line);
      if (issue) issues.push(issue);
      else messages.push(line);
    },
    /** OnMatcherChanged with a config: prepend it, dropping any matcher with the same owner. */
    add(config: { owner: string; pattern: PatternConfig[] }): void {
      set.add(definitions(config));
    },
    remove(owner: string): void {
      set.remove(owner);
    },
  };
}

describe("OutputManagerL0 AddMatcher_Clobber", () => {
  it("replaces a matcher added again with the same owner", () => {
    const t = setup(
      matcher("my-matcher-1", { regexp: "ERROR: (.+)", message: 1 }),
      matcher("my-matcher-2", { regexp: "NOT GOOD: (.+)", message: 1 }),
    );
    t.process("ERROR: message 1");
    t.process("NOT GOOD: message 2");
    t.add(matcher("my-matcher-1", { regexp: "ERROR: (.+) END MESSAGE", message: 1 }));
    t.process("ERROR: message 3 END MESSAGE");
    t.process("ERROR: message 4");
    t.process("NOT GOOD: message 5");
    expect(t.issues.map((i) => i.message)).toEqual(["message 1", "message 2", "message 3", "message 5"]);
    expect(t.messages).toEqual(["ERROR: message 4"]);
  });
});

describe("OutputManagerL0 AddMatcher_Prepend", () => {
  it("puts a newly added matcher in front of the existing ones", () => {
    const t = setup(
      matcher("my-matcher-1", { regexp: "ERROR: (.+)", message: 1 }),
      matcher("my-matcher-2", { regexp: "NOT GOOD: (.+)", message: 1 }),
    );
    t.process("ERROR: message 1");
    t.process("NOT GOOD: message 2");
    t.add(matcher("new-matcher", { regexp: "ERROR: (.+) END MESSAGE", message: 1 }));
    t.process("ERROR: message 3 END MESSAGE");
    t.process("ERROR: message 4");
    t.process("NOT GOOD: message 5");
    expect(t.issues.map((i) => i.message)).toEqual(["message 1", "message 2", "message 3", "message 4", "message 5"]);
    expect(t.messages).toEqual([]);
  });
});

describe("OutputManagerL0 MatcherCode", () => {
  it("records a code and omits an empty one", () => {
    const t = setup(matcher("my-matcher-1", { regexp: "(.*): (.+)", code: 1, message: 2 }));
    t.process("BAD: real bad");
    t.process(": not working");
    expect(t.issues).toHaveLength(2);
    expect(t.issues[0]).toMatchObject({ message: "real bad", code: "BAD" });
    expect(t.issues[1]?.message).toBe("not working");
    expect(t.issues[1]).not.toHaveProperty("code");
    expect(t.messages).toEqual([]);
  });
});

describe("OutputManagerL0 DoesNotResetMatchingMatcher", () => {
  it("keeps a looping matcher's state across the lines it matches", () => {
    const t = setup(
      matcher("my-matcher-1", { regexp: "Start: .+" }, { regexp: "Error: (.+)", message: 1, loop: true }),
    );
    for (const line of [
      "Start: hello",
      "Error: it broke",
      "Error: oh no",
      "Error: not good",
      "regular message 1",
      "Start: hello again",
      "Error: it broke again",
      "Error: real bad",
      "regular message 2",
    ]) {
      t.process(line);
    }
    expect(t.issues.map((i) => i.message)).toEqual(["it broke", "oh no", "not good", "it broke again", "real bad"]);
    expect(t.messages).toEqual(["Start: hello", "regular message 1", "Start: hello again", "regular message 2"]);
  });
});

describe("OutputManagerL0 InitialMatchers", () => {
  it("applies the matchers registered before the step", () => {
    const t = setup(
      matcher("my-matcher-1", { regexp: "ERROR: (.+)", message: 1 }),
      matcher("my-matcher-2", { regexp: "NOT GOOD: (.+)", message: 1 }),
    );
    t.process("ERROR: it is broken");
    t.process("NOT GOOD: that did not work");
    expect(t.issues.map((i) => i.message)).toEqual(["it is broken", "that did not work"]);
    expect(t.messages).toEqual([]);
  });
});

describe("OutputManagerL0 MatcherLineColumn", () => {
  it("keeps numeric line and column values and drops the others with a debug message", () => {
    const t = setup(matcher("my-matcher-1", { regexp: "\\((.+),(.+)\\): (.+)", line: 1, column: 2, message: 3 }));
    t.process("(12,34): real bad");
    t.process("(12,thirty-four): it is broken");
    t.process("(twelve,34): not working");
    expect(t.issues).toHaveLength(3);
    expect(t.issues[0]).toMatchObject({ message: "real bad", line: 12, column: 34 });
    expect(t.issues[1]).toMatchObject({ message: "it is broken", line: 12 });
    expect(t.issues[1]).not.toHaveProperty("column");
    expect(t.issues[2]).toMatchObject({ message: "not working", column: 34 });
    expect(t.issues[2]).not.toHaveProperty("line");
    expect(t.messages).toEqual([
      "##[debug]Unable to parse column number 'thirty-four'",
      "##[debug]Unable to parse line number 'twelve'",
    ]);
  });
});

describe("OutputManagerL0 MatcherRemoveColorCodes", () => {
  it("strips the runner's colour codes before matching and logs the stripped line", () => {
    const t = setup();
    t.add(matcher("my-matcher", { regexp: "^the error: (.+)$", message: 1 }));
    // C#'s "\033[" is NUL followed by "33[" (C# has no octal escapes); the runner strips exactly that.
    t.process("the error: \u000033[31mred, \u000033[1;31mbright red, \u000033[mreset");
    expect(t.issues).toHaveLength(1);
    expect(t.issues[0]?.message).toBe("red, bright red, reset");
    expect(t.issues[0]?.sourceLine).toBe("the error: red, bright red, reset");
    expect(t.messages).toEqual([]);
  });
});

describe("OutputManagerL0 RemoveMatcher", () => {
  it("stops applying a removed matcher", () => {
    const t = setup(
      matcher("my-matcher-1", { regexp: "ERROR: (.+)", message: 1 }),
      matcher("my-matcher-2", { regexp: "NOT GOOD: (.+)", message: 1 }),
    );
    t.process("ERROR: message 1");
    t.process("NOT GOOD: message 2");
    t.remove("my-matcher-1");
    t.process("ERROR: message 3");
    t.process("NOT GOOD: message 4");
    expect(t.issues.map((i) => i.message)).toEqual(["message 1", "message 2", "message 4"]);
    expect(t.messages).toEqual(["ERROR: message 3"]);
  });
});

describe("OutputManagerL0 ResetsOtherMatchers", () => {
  it("clears the other matchers' partial matches when one matcher matches", () => {
    const t = setup(
      matcher(
        "my-matcher-1",
        { regexp: "Matches both line 1: .+" },
        { regexp: "Matches 1 only line 2: (.+)", message: 1 },
      ),
      matcher("my-matcher-2", { regexp: "Matches both line 1: (.+)" }, { regexp: "(.+)", message: 1 }),
    );
    for (const line of [
      "Matches both line 1: hello",
      "Matches 1 only line 2: it broke",
      "regular message 1",
      "regular message 2",
      "Matches both line 1: hello again",
      "oh no, another error",
    ]) {
      t.process(line);
    }
    expect(t.issues.map((i) => i.message)).toEqual(["it broke", "oh no, another error"]);
    expect(t.messages).toEqual([
      "Matches both line 1: hello",
      "regular message 1",
      "regular message 2",
      "Matches both line 1: hello again",
    ]);
  });
});

describe("OutputManagerL0 MatcherSeverity", () => {
  it("accepts error and warning in any case, defaults empty to error and skips other severities", () => {
    const t = setup(
      matcher("my-matcher-1", { regexp: "(.*): (.+)", severity: 1, message: 2 }),
      matcher("my-matcher-2", { regexp: "ERROR! (.+)", message: 1 }),
    );
    t.process("ERRor: real bad");
    t.process("WARNing: not great");
    t.process("info: hey");
    t.process(": not working");
    t.process("ERROR! uh oh");
    expect(t.issues.map((i) => [i.message, i.severity])).toEqual([
      ["real bad", "error"],
      ["not great", "warning"],
      ["not working", "error"],
      ["uh oh", "error"],
    ]);
    expect(t.messages).toHaveLength(2);
    expect(t.messages[0]).toMatch(/^##\[debug\]Skipped/);
    expect(t.messages[0]).toContain("'info'");
    expect(t.messages[1]).toBe("info: hey");
  });
});

describe("OutputManagerL0 MatcherTimeout", () => {
  // The runner gives this backtracking-prone e-mail pattern a 10 ms budget; on the "t@t.t.…" line
  // it times out three times, logs "Removing issue matcher 'email'" and drops the matcher, so the
  // later "jane.doe@contoso.com" is plain output there. RE2 needs no budget: the line simply does
  // not match and the matcher stays, so here "jane.doe@contoso.com" becomes an issue.
  const email =
    "^((([a-z]|\\d|[!#\\$%&'\\*\\+\\-\\/=\\?\\^_`{\\|}~]|[\\u00A0-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF])+(\\.([a-z]|\\d|[!#\\$%&'\\*\\+\\-\\/=\\?\\^_`{\\|}~]|[\\u00A0-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF])+)*)|((\\x22)((((\\x20|\\x09)*(\\x0d\\x0a))?(\\x20|\\x09)+)?(([\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]|\\x21|[\\x23-\\x5b]|[\\x5d-\\x7e]|[\\u00A0-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF])|(\\\\([\\x01-\\x09\\x0b\\x0c\\x0d-\\x7f]|[\\u00A0-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF]))))*(((\\x20|\\x09)*(\\x0d\\x0a))?(\\x20|\\x09)+)?(\\x22)))@((([a-z]|\\d|[\\u00A0-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF])|(([a-z]|\\d|[\\u00A0-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF])([a-z]|\\d|-|\\.|_|~|[\\u00A0-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF])*([a-z]|\\d|[\\u00A0-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF])))\\.)+(([a-z]|[\\u00A0-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF])|(([a-z]|[\\u00A0-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF])([a-z]|\\d|-|\\.|_|~|[\\u00A0-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF])*([a-z]|[\\u00A0-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF])))\\.?$";
  const pathological =
    "t@t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.t.c%20";

  it("runs the line the runner times out on in linear time and keeps the matcher", () => {
    const t = setup(
      matcher("email", { regexp: email, message: 0 }),
      matcher("err", { regexp: "ERR: (.+)", message: 1 }),
    );
    const started = performance.now();
    t.process("john.doe@contoso.com");
    t.process(pathological);
    t.process("jane.doe@contoso.com");
    t.process("ERR: this error");
    expect(performance.now() - started).toBeLessThan(1000);
    expect(t.issues.map((i) => i.message)).toEqual(["john.doe@contoso.com", "jane.doe@contoso.com", "this error"]);
    expect(t.messages).toEqual([pathological]);
  });
});

describe("OutputManagerL0 MatcherFile", () => {
  // The runner's test creates these checkouts with `git init` + `git remote add origin`; here the
  // checkouts are declared instead. RUNNER_TEST_GET_REPOSITORY_PATH_FAILSAFE=2 is maxParentDirectories.
  const workspace = "/runner/_work/workspace";
  const workflowRepository = `${workspace}/workflow-repo`;
  const nestedOtherRepository = `${workspace}/workflow-repo/nested-other-repo`;
  // Path.Combine(workspace, workflowRepository, …) discards `workspace` because the second part is
  // rooted, so the runner's "other" repository is the nested one again.
  const otherRepository = `${workflowRepository}/nested-other-repo`;
  const nestedWorkflowRepository = `${workspace}/other-repo/nested-workflow-repo`;
  // Remote `git@github.com:my-org/workflow-repo.git`: the runner accepts ssh remotes too.
  const workflowRepositoryUsingSsh = `${workspace}/workflow-repo-using-ssh`;
  const options: ResolveMatchPathOptions = {
    workspace,
    workspaceRoots: [workflowRepository, nestedWorkflowRepository, workflowRepositoryUsingSsh],
    otherRepositoryRoots: [nestedOtherRepository, otherRepository],
    maxParentDirectories: 2,
  };
  const files = {
    noRepository: `${workspace}/no-repo.txt`,
    workflowRepository: `${workflowRepository}/workflow-repo.txt`,
    workflowRepositoryNestedDirectory: `${workflowRepository}/subdir/subdir2/workflow-repo-nested-dir.txt`,
    workflowRepositoryFailsafe: `${workflowRepository}/failsafe-subdir/failsafe-subdir2/failsafe-subdir3/workflow-repo-failsafe.txt`,
    nestedOtherRepository: `${nestedOtherRepository}/nested-other-repo`,
    otherRepository: `${otherRepository}/other-repo.txt`,
    nestedWorkflowRepository: `${nestedWorkflowRepository}/nested-workflow-repo.txt`,
    workflowRepositoryUsingSsh: `${workflowRepositoryUsingSsh}/workflow-repo-using-ssh.txt`,
  };

  function processAll(): ProblemMatch[] {
    const t = setup(matcher("my-matcher-1", { regexp: "(.+): (.+)", file: 1, message: 2 }));
    t.process(`${files.noRepository}: some error 1`);
    t.process(`${files.workflowRepository}: some error 2`);
    t.process(`${files.workflowRepository.slice(workspace.length + 1)}: some error 3`); // relative to the workspace
    t.process(`${files.workflowRepositoryNestedDirectory}: some error 4`);
    t.process(`${files.workflowRepositoryFailsafe}: some error 5`);
    t.process(`${files.nestedOtherRepository}: some error 6`);
    t.process(`${files.otherRepository}: some error 7`);
    t.process(`${files.nestedWorkflowRepository}: some error 8`);
    t.process(`${files.workflowRepositoryUsingSsh}: some error 9`);
    return t.issues;
  }

  it("annotates every line and keeps a file only when it lies in a workflow-repository checkout", () => {
    const issues = processAll();
    expect(issues.map((i) => i.message)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => `some error ${n}`));
    expect(issues.map((i) => resolveMatchPath(i, options))).toEqual([
      undefined,
      "workflow-repo.txt",
      "workflow-repo.txt",
      "subdir/subdir2/workflow-repo-nested-dir.txt",
      undefined,
      undefined,
      undefined,
      "nested-workflow-repo.txt",
      "workflow-repo-using-ssh.txt",
    ]);
  });
});

describe("OutputManagerL0 MatcherFromPath", () => {
  it("roots a relative file at the directory of fromPath", () => {
    const workspace = "/runner/_work/workspace";
    const t = setup(matcher("my-matcher-1", { regexp: "(.+): (.+) \\[(.+)\\]", file: 1, message: 2, fromPath: 3 }));
    t.process("some-directory/some-file.txt: some error [workflow-repo/some-project/some-project.proj]");
    expect(t.issues).toHaveLength(1);
    expect(t.issues[0]?.message).toBe("some error");
    expect(resolveMatchPath(t.issues[0]!, { workspace, workspaceRoots: [`${workspace}/workflow-repo`] })).toBe(
      "some-project/some-directory/some-file.txt",
    );
    expect(t.messages).toEqual([]);
  });
});
