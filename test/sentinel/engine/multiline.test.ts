import { describe, expect, it } from "vitest";
import { classifyText, createClassifier, parseRuleText } from "../../../src/sentinel/index.js";
import { rulesFromYaml } from "../../support/rules.js";

const rules = rulesFromYaml(`
id: tt
name: A test tool
tool: tt
category: test
matchers:
  - id: failed
    pattern: '^FAILED (?P<message>.+)$'
    confidence: 0.9
    then:
      - pattern: '^  expected (?P<code>\\w+)$'
        within: 2
      - pattern: '^  at (?P<file>[^:]+):(?P<line>\\d+)$'
        within: 5
    end: '^(?:FAILED|DONE) '
  - id: crash
    pattern: '^CRASH (?P<message>.+)$'
    confidence: 0.8
    then:
      - pattern: '^  at (?P<file>[^:]+):(?P<line>\\d+)$'
        within: 3
        required: true
`);

const log = (...lines: string[]) => lines.join("\n") + "\n";

describe("a regex matcher with then steps", () => {
  it("completes the finding with fields from later lines", () => {
    const d = classifyText(
      log("FAILED adds numbers", "  expected equal", "  some diff", "  at test/a.js:7", "DONE 1"),
      rules,
    );
    expect(d.findings).toEqual([
      expect.objectContaining({
        ruleId: "tt/failed",
        message: "adds numbers",
        code: "equal",
        file: "test/a.js",
        line: 7,
        logLine: 1,
      }),
    ]);
  });

  it("names the block's first line as the first error line, with the lines after it as evidence", () => {
    const d = classifyText(
      log("setup", "FAILED adds numbers", "  expected equal", "  at test/a.js:7", "DONE 1"),
      rules,
    );
    expect(d.firstErrorLine).toMatchObject({ lineNumber: 2, text: "FAILED adds numbers" });
    expect(d.evidence?.lines).toEqual([
      "setup",
      "FAILED adds numbers",
      "  expected equal",
      "  at test/a.js:7",
      "DONE 1",
    ]);
  });

  it("emits what it has when the end pattern matches", () => {
    const d = classifyText(
      log("FAILED first", "  expected equal", "FAILED second", "  noise", "  noise", "  at test/b.js:3"),
      rules,
    );
    expect(d.findings.map((f) => [f.message, f.code, f.file])).toEqual([
      ["first", "equal", undefined],
      ["second", undefined, "test/b.js"],
    ]);
  });

  it("skips an optional step whose window runs out and looks for the next one", () => {
    const d = classifyText(log("FAILED adds numbers", "  noise", "  noise", "  at test/a.js:7"), rules);
    expect(d.findings[0]).toMatchObject({ file: "test/a.js", line: 7 });
    expect(d.findings[0]?.code).toBeUndefined();
  });

  it("drops the finding when a required step never matches", () => {
    const d = classifyText(log("CRASH core dumped", "one", "two", "three", "  at src/late.c:1"), rules);
    expect(d.findings).toEqual([]);
  });

  it("emits an open block at the end of the log", () => {
    const d = classifyText(log("FAILED adds numbers", "  expected equal"), rules);
    expect(d.findings[0]).toMatchObject({ message: "adds numbers", code: "equal" });
  });

  it("lets a later line's value override the first line's", () => {
    const override = rulesFromYaml(`
id: ov
name: Override
category: test
matchers:
  - id: loc
    pattern: '^FAIL (?P<file>\\S+) > (?P<message>.+)$'
    then:
      - pattern: '^ at (?P<file>[^:]+):(?P<line>\\d+)$'
`);
    const d = classifyText(log("FAIL test/a.test.js > adds", " at src/math.js:4"), override);
    expect(d.findings[0]).toMatchObject({ file: "src/math.js", line: 4, message: "adds" });
  });

  it("gives the same findings whatever the chunk size", () => {
    const text = log(
      "x",
      "FAILED adds numbers",
      "  expected equal",
      "  at test/a.js:7",
      "FAILED again",
      "  at test/b.js:9",
    );
    const whole = classifyText(text, rules);
    const c = createClassifier(rules);
    for (const byte of Buffer.from(text)) c.write(Buffer.from([byte]));
    expect(c.end().findings).toEqual(whole.findings);
    expect(whole.findings).toHaveLength(2);
  });

  it("reports an invalid then pattern at its own line and drops only that matcher", () => {
    const { sentinels, issues } = parseRuleText(
      "id: bad\nname: Bad\nmatchers:\n  - id: m\n    pattern: 'FAILED'\n    then:\n      - pattern: '(?<=x)y'\n  - id: ok\n    pattern: 'BROKEN'\n",
      "bad.yml",
    );
    expect(issues).toEqual([expect.objectContaining({ file: "bad.yml", line: 7, code: "E_PATTERN_SYNTAX" })]);
    expect(sentinels[0]?.regexMatchers.map((m) => m.ruleId)).toEqual(["bad/ok"]);
  });
});

describe("a sentinel that only means something with its command", () => {
  const listing = rulesFromYaml(`
id: lister
name: Lister
category: format
appliesTo:
  commands: ["fmt -l*"]
  whenUnknown: skip
matchers:
  - id: file
    pattern: '^(?P<file>\\S+\\.go)$'
`);

  it("runs when the command is known and matches", () => {
    expect(classifyText("main.go\n", listing, { command: "fmt -l ." }).category).toBe("format");
  });

  it("does not run when the command is unknown", () => {
    expect(classifyText("main.go\n", listing).findings).toEqual([]);
  });
});
