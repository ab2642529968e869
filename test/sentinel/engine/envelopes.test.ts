import { describe, expect, it } from "vitest";
import { classifyText } from "../../../src/sentinel/index.js";
import { cleanLine } from "../../../src/sentinel/engine/clean-line.js";
import { rulesFromYaml } from "../../support/rules.js";
import { readCorpusLog } from "../../support/log-corpus.js";

const rules = rulesFromYaml(`
id: demo
name: Demo
tool: demo
category: test
matchers:
  - id: fail
    pattern: '^FAIL (?<file>\\S+):(?<line>\\d+) (?<message>.*)$'
    confidence: 0.9
`);

describe("GitHub Actions job logs", () => {
  const log = [
    "\uFEFF2024-05-01T12:00:00.0000000Z ##[group]Operating System",
    "2024-05-01T12:00:00.1000000Z Ubuntu",
    "2024-05-01T12:00:00.2000000Z ##[endgroup]",
    "2024-05-01T12:00:01.0000000Z ##[group]Run npm ci",
    "2024-05-01T12:00:01.1000000Z npm ci",
    "2024-05-01T12:00:01.2000000Z ##[endgroup]",
    "2024-05-01T12:00:05.0000000Z added 10 packages",
    "2024-05-01T12:00:06.0000000Z ##[group]Run npm test",
    "2024-05-01T12:00:06.1000000Z npm test",
    "2024-05-01T12:00:06.2000000Z ##[endgroup]",
    "2024-05-01T12:00:07.0000000Z ##[group]Running suite",
    "2024-05-01T12:00:08.1234567Z \x1b[31mFAIL src/a.test.ts:12 expected 1 to be 2\x1b[0m",
    "2024-05-01T12:00:08.2000000Z ##[endgroup]",
    "2024-05-01T12:00:09.0000000Z ##[error]Process completed with exit code 1.",
  ].join("\n");

  it("strips the timestamp prefix and colour codes before matching", () => {
    const d = classifyText(log, rules);
    expect(d.findings[0]).toMatchObject({ file: "src/a.test.ts", line: 12, message: "expected 1 to be 2" });
  });

  it("reports the step a finding came from, with the inner group as its section", () => {
    const d = classifyText(log, rules);
    expect(d.findings[0]?.step).toEqual({ name: "Run npm test", section: "Running suite" });
    expect(d.step).toEqual({ name: "Run npm test", section: "Running suite" });
  });

  it("takes each finding's time from the log's own timestamp", () => {
    const d = classifyText(log, rules);
    expect(d.findings[0]?.time).toBe(Date.parse("2024-05-01T12:00:08.123Z"));
  });

  it("turns an ##[error] line no rule explains into a low-confidence runner annotation", () => {
    const d = classifyText(log, rules);
    const annotation = d.findings.find((f) => f.ruleId === "runner/annotation");
    expect(annotation).toMatchObject({
      message: "Process completed with exit code 1.",
      classification: "Error",
      logLine: 14,
      step: { name: "Run npm test" },
    });
    expect(d.category).toBe("test");
  });

  it("lists the steps it saw with their error counts, counted as the diagnosis counts errors", () => {
    const d = classifyText(log, rules);
    // The runner's `Process completed with exit code 1` says the step failed, not why: not an error of its own.
    expect(d.steps).toEqual([
      { name: "Run npm ci", firstLine: 4, errors: 0, warnings: 0 },
      { name: "Run npm test", firstLine: 8, errors: 1, warnings: 0 },
    ]);
  });

  it("reads ::error workflow commands with their file and line properties", () => {
    const d = classifyText("::error file=src/app.ts,line=3,col=5::Something broke\n", rules);
    expect(d.findings[0]).toMatchObject({ file: "src/app.ts", line: 3, column: 5, message: "Something broke" });
  });

  it("attributes findings in a real job log to the `Run …` step they came from", () => {
    const { text } = readCorpusLog("pytorch-test-infra__artifact_not_found.txt");
    const d = classifyText(text, rules);
    expect(d.steps.map((s) => s.name)).toContain("Run actions/upload-artifact@v4.4.0");
    const noFiles = d.findings.find((f) => f.message.startsWith("No files were found with the provided path"));
    expect(noFiles?.step?.name).toBe("Run '/home/runner/hook-extensions/wrapper.js'");
  });

  it("leaves the step empty for lines before the first step header", () => {
    const { text } = readCorpusLog("pytorch-test-infra__artifact_not_found.txt");
    const d = classifyText(text, rules);
    expect(d.findings.find((f) => f.message.includes("Unable to download artifact"))?.step).toBeUndefined();
  });
});

describe("GitLab job traces", () => {
  const trace = [
    "\x1b[0KRunning with gitlab-runner 16.11.0 (91a27b2a)\x1b[0;m",
    'section_start:1714567890:prepare_executor\r\x1b[0K\x1b[0K\x1b[36;1mPreparing the "docker" executor\x1b[0;m\x1b[0;m',
    "Using Docker executor with image node:20 ...",
    "section_end:1714567895:prepare_executor\r\x1b[0K",
    'section_start:1714567900:step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting "step_script" stage of the job script\x1b[0;m\x1b[0;m',
    "\x1b[32;1m$ npm test\x1b[0;m",
    "section_start:1714567901:unit_tests[collapsed=true]\r\x1b[0KUnit tests",
    "Progress 10%\rProgress 50%\rFAIL lib/b.js:7 boom",
    "section_end:1714567902:unit_tests\r\x1b[0K",
    "section_end:1714567903:step_script\r\x1b[0K",
    "\x1b[31;1mERROR: Job failed: exit code 1\x1b[0;m",
  ].join("\n");

  it("keeps only the last \\r segment of a progress line, as a terminal shows it", () => {
    const d = classifyText(trace, rules);
    expect(d.findings[0]).toMatchObject({ file: "lib/b.js", line: 7, message: "boom", logLine: 8 });
  });

  it("names the outermost open section as the step and the innermost as the section", () => {
    const d = classifyText(trace, rules);
    expect(d.findings[0]?.step).toEqual({ name: "step_script", section: "unit_tests" });
    expect(d.steps.map((s) => s.name)).toEqual(["prepare_executor", "step_script"]);
  });

  it("removes section markers and colour codes from the text rules see", () => {
    const line = cleanLine(
      'section_start:1714567900:step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting "step_script" stage\x1b[0;m',
    );
    expect(line.text).toBe('Executing "step_script" stage');
    expect(line.markers).toEqual([{ kind: "section-start", name: "step_script" }]);
  });

  it("reads GitLab runner timestamps and strips their stream prefix", () => {
    const line = cleanLine("2024-06-18T14:51:50.402235Z 01E+FAIL x:1 y");
    expect(line.text).toBe("FAIL x:1 y");
    expect(line.time).toBe(Date.parse("2024-06-18T14:51:50.402Z"));
  });

  it("reads a GitHub-shaped stamp followed by a GitLab stream marker as the marker and the text", () => {
    // Seven fractional digits and a space: GitHub's usual stamp, read without the regex unless a
    // stream marker follows.
    expect(cleanLine("2024-06-18T14:51:50.4022350Z 00O error: x").text).toBe("error: x");
    expect(cleanLine("2024-06-18T14:51:50.4022350Z 0fE+ error: x").text).toBe("error: x");
    expect(cleanLine("2024-06-18T14:51:50.4022350Z 0gO error: x").text).toBe("0gO error: x");
    expect(cleanLine("2024-06-18T14:51:50.4022350Z error: x")).toEqual({
      text: "error: x",
      time: Date.parse("2024-06-18T14:51:50.402Z"),
      markers: [],
      annotation: undefined,
    });
    expect(cleanLine("2024-06-18T14:51:5x.4022350Z error: x").text).toBe("2024-06-18T14:51:5x.4022350Z error: x");
  });
});
