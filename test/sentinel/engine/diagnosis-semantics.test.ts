import { describe, expect, it } from "vitest";
import { classifyText, createClassifier, loadBuiltinRules } from "../../../src/sentinel/index.js";
import { rulesFromYaml } from "../../support/rules.js";

/**
 * What a diagnosis means (docs/sentinels.md, "What a diagnosis counts"): the first error line,
 * the counts, the primary finding's location, warnings on a failed step, one finding per
 * diagnostic, and what `unknown` offers.
 */

const lint = rulesFromYaml(`
id: lint
name: Lint
tool: lint
category: lint
matchers:
  - id: problem
    pattern: '^(?<file>[^\\s:]+):(?<line>\\d+): (?<severity>error|warning) (?<message>.+)$'
    confidence: 0.7
  - id: count
    pattern: '^Found (?<n>\\d+) problems?$'
    confidence: 0.9
    summary: true
  - id: banner
    pattern: '^LINT FAILED$'
    confidence: 0.8
    summary: true
`);

function diagnose(text: string, exitCode?: number) {
  const c = createClassifier(lint);
  c.write(text);
  return c.end(exitCode === undefined ? {} : { exitCode });
}

describe("the first error line", () => {
  it("is the first line of the first error-level finding, not a more confident summary after it", () => {
    const d = diagnose("setup\na.py:3: error bad name\nb.py:9: error bad call\nFound 2 problems\n");
    expect(d.firstErrorLine).toMatchObject({ lineNumber: 2, text: "a.py:3: error bad name" });
    expect(d.findings.find((f) => f.logLine === 2)).toMatchObject({ file: "a.py", line: 3 });
  });

  it("is never a summary line, even when only summaries say the run failed", () => {
    const d = diagnose("LINT FAILED\nFound 2 problems\n");
    expect(d.status).toBe("failed");
    expect(d.category).toBe("lint");
    expect(d.firstErrorLine).toBeNull();
  });

  it("is where the tool first names a failing test, not the detail block further down", async () => {
    const log = [
      " ❯ test/math.test.js (1 test | 1 failed) 10ms",
      "     × multiplies two numbers 7ms",
      "",
      " FAIL  test/math.test.js > multiply > multiplies two numbers",
      "AssertionError: expected 7 to be 12 // Object.is equality",
      " ❯ test/math.test.js:6:28",
    ].join("\n");
    const d = classifyText(log, await loadBuiltinRules());
    expect(d.firstErrorLine?.lineNumber).toBe(2);
    expect(d.findings[0]).toMatchObject({ file: "test/math.test.js", line: 6, logLine: 2 });
  });
});

describe("the primary finding", () => {
  it("still names the failure when it came after the findings list was full", () => {
    const warnings = Array.from({ length: 600 }, (_, i) => `a.py:${i + 1}: warning unused`).join("\n");
    const d = diagnose(`${warnings}\nb.py:9: error bad call\n`);
    expect(d.stats.findingsDropped).toBeGreaterThan(0);
    expect(d.category).toBe("lint");
    expect(d.firstErrorLine).toMatchObject({ lineNumber: 601, text: "b.py:9: error bad call" });
  });
});

describe("counts", () => {
  it("exclude summary lines: two problems and a count line are two errors", () => {
    const d = diagnose("a.py:3: error bad name\nb.py:9: error bad call\nFound 2 problems\nLINT FAILED\n");
    expect(d.errorCount).toBe(2);
    expect(d.summary).toMatch(/^lint failure \(lint\): 2 errors in 2 files\./);
    expect(d.findings.filter((f) => f.summary).map((f) => f.logLine)).toEqual([3, 4]);
  });

  it("count warnings apart from errors", () => {
    const d = diagnose("a.py:3: error bad name\nb.py:9: warning unused\nFound 2 problems\n");
    expect([d.errorCount, d.warningCount]).toEqual([1, 1]);
  });
});

describe("the same diagnostic matched by two rules", () => {
  const twice = rulesFromYaml(`
id: rustish
name: Rustish
tool: rustish
category: build
matchers:
  - id: headline
    pattern: '^error: (?<message>.+)$'
    confidence: 0.9
    continue: true
  - id: located
    pattern: '^error: (?<message>.+)$'
    category: lint
    confidence: 0.85
    then:
      - pattern: '^\\s*--> (?<file>[^\\s:]+):(?<line>\\d+):(?<column>\\d+)$'
        within: 1
`);

  it("is one finding, with the most confident rule's category and the location either found", () => {
    const d = classifyText("error: unneeded return\n  --> src/main.rs:6:5\n", twice);
    expect(d.findings).toEqual([
      expect.objectContaining({ ruleId: "rustish/headline", category: "build", file: "src/main.rs", line: 6 }),
    ]);
    expect(d.errorCount).toBe(1);
  });

  it("is still streamed once per rule, for live output and routing", () => {
    const seen: string[] = [];
    const c = createClassifier(twice, { onEvent: (e) => void (e.type === "finding" && seen.push(e.finding.ruleId)) });
    c.write("error: unneeded return\n  --> src/main.rs:6:5\n");
    c.end();
    expect(seen.sort()).toEqual(["rustish/headline", "rustish/located"]);
  });
});

describe("findings that name the same test", () => {
  const runner = rulesFromYaml(`
id: runner
name: Runner
tool: runner
category: test
matchers:
  - id: progress
    pattern: '^test (?<test>\\S+) \\.\\.\\. FAILED$'
    message: '{test}'
    confidence: 0.85
  - id: panic
    pattern: '^thread ''(?<test>[^'']+)'' panicked at (?<file>[^:\\s]+):(?<line>\\d+):(?<column>\\d+):$'
    message: "thread '{test}' panicked"
    confidence: 0.85
`);
  const log = [
    "test tests::adds ... FAILED",
    "test tests::parses ... FAILED",
    "",
    "thread 'tests::adds' panicked at src/lib.rs:19:9:",
    "thread 'tests::parses' panicked at src/lib.rs:9:18:",
  ].join("\n");

  it("are one error, which starts where the test is first named", () => {
    const d = classifyText(log, runner);
    expect(d.errorCount).toBe(2);
    expect(d.firstErrorLine?.lineNumber).toBe(1);
  });

  it("give the primary finding the first file:line any of them has", () => {
    const d = classifyText(log, runner);
    expect(d.findings[0]).toMatchObject({ logLine: 1, test: "tests::adds", file: "src/lib.rs", line: 19 });
    expect(d.summary).toContain("First: src/lib.rs:19:9");
  });

  it("match when one name ends the other at a separator (`multiply > multiplies` and `multiplies`)", () => {
    const nested = rulesFromYaml(`
id: nested
name: Nested
category: test
matchers:
  - id: short
    pattern: '^✗✗ (?<test>.+)$'
    confidence: 0.9
  - id: full
    pattern: '^FAIL (?<file>\\S+) > (?<test>.+)$'
    confidence: 0.9
`);
    const d = classifyText("✗✗ multiplies\n✗✗ adds\nFAIL a.js > multiply > multiplies\n", nested);
    expect(d.errorCount).toBe(2);
    expect(d.findings[0]).toMatchObject({ logLine: 1, file: "a.js" });
  });
});

describe("a context line beside an error without a location", () => {
  const gotest = rulesFromYaml(`
id: gotest
name: Go test
category: test
matchers:
  - id: fail
    pattern: '^--- FAIL: (?<message>\\w+)'
    confidence: 0.9
  - id: log
    pattern: '^\\s+(?<file>\\w+_test\\.go):(?<line>\\d+): (?<message>.+)$'
    classification: Info
    confidence: 0.5
`);

  it("gives the error its file and line", () => {
    const d = classifyText("--- FAIL: TestAdd (0.00s)\n    calc_test.go:7: Add(2, 3) = -1, want 5\n", gotest);
    expect(d.findings[0]).toMatchObject({ message: "TestAdd", file: "calc_test.go", line: 7, logLine: 1 });
  });

  it("printed before the error gives it its location too, and the error still starts at its own line", () => {
    const d = classifyText(
      "=== RUN   TestAdd\n    calc_test.go:7: Add(2, 3) = -1, want 5\n--- FAIL: TestAdd\n",
      gotest,
    );
    expect(d.firstErrorLine?.lineNumber).toBe(3);
    expect(d.findings.find((f) => f.severity === "error")).toMatchObject({ file: "calc_test.go", line: 7 });
  });
});

describe("warnings on a failed step", () => {
  it("never make it passed: the diagnosis fails, names the warnings' category and says there were only warnings", () => {
    const d = diagnose("a.py:3: warning unused import\nb.py:4: warning unused name\n", 1);
    expect(d.status).toBe("failed");
    expect(d.category).toBe("lint");
    expect(d.summary).toBe(
      "lint failure (lint): exit code 1, with no errors but 2 warnings. First: a.py:3 unused import",
    );
    expect(d.errorCount).toBe(0);
    expect(d.warningCount).toBe(2);
  });

  it("without a failing exit code, still pass with warnings", () => {
    const d = diagnose("a.py:3: warning unused import\n", 0);
    expect(d.status).toBe("passed");
    expect(d.summary).toBe("Passed, with 1 warning.");
  });
});

describe("an unknown failure", () => {
  const runner = rulesFromYaml(`
id: runner
name: Runner
matchers:
  - id: exit
    pattern: 'Process completed with exit code (?<code>\\d+)'
    confidence: 0.3
`);

  it("lists the last error-looking lines, including those only a vague rule matched", () => {
    const d = classifyText("compiling\nwidget error: frob failed\nProcess completed with exit code 1.\n", runner);
    expect(d.category).toBe("unknown");
    expect(d.lastErrorLines.map((l) => l.lineNumber)).toEqual([2, 3]);
  });

  it("gets its fingerprint from those lines, so two different unknown failures differ", () => {
    const a = classifyText("widget error: frob failed\nProcess completed with exit code 1.\n", runner);
    const b = classifyText("gizmo error: disk on fire\nProcess completed with exit code 1.\n", runner);
    expect(a.lastErrorLines).not.toEqual([]);
    expect(a.fingerprint).not.toBe(b.fingerprint);
  });

  it("keeps its fingerprint when only line numbers change", () => {
    const a = classifyText("widget error: frob failed\nProcess completed with exit code 1.\n", runner);
    const b = classifyText("x\ny\nwidget error: frob failed\nProcess completed with exit code 1.\n", runner);
    expect(a.fingerprint).toBe(b.fingerprint);
  });
});

describe("builtin rules", () => {
  it("call Vitest's AssertionError Vitest's, not a Python exception", async () => {
    const d = classifyText("AssertionError: expected 7 to be 12 // Object.is equality\n", await loadBuiltinRules());
    expect(d.findings.map((f) => f.ruleId)).toEqual(["vitest/assertion-error"]);
  });

  it.each([
    ['test -z "$(gofmt -l .)"'],
    ["gofmt -l . | tee gofmt.out"],
    ["test -z $(gofmt -l)"],
    ["gofmt -s -e -l ."],
    ["goimports -l ."],
  ])("read gofmt's file list as a format failure when the command %s shows it", async (command) => {
    const d = classifyText("main.go\nsrc/util.go\n", await loadBuiltinRules(), { command });
    expect(d.category).toBe("format");
    expect(d.errorCount).toBe(2);
  });

  it("mark every summary line they know of, so no builtin count includes one", async () => {
    const rules = await loadBuiltinRules();
    const summaries = rules.sentinels.flatMap((s) => s.regexMatchers.filter((m) => m.summary).map((m) => m.ruleId));
    expect(summaries).toEqual(
      expect.arrayContaining([
        "eslint/stylish-summary-errors",
        "tsc/summary",
        "black/summary",
        "vitest/summary-failed",
      ]),
    );
  });
});
