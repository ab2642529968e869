import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { classifyText, mergeRuleSets, parseRuleText, type RuleSet } from "../../../src/sentinel/index.js";
import { rulesFromYaml } from "../../support/rules.js";

const FIXTURES = path.resolve(import.meta.dirname, "../../fixtures/problem-matchers");

function matcherFile(json: unknown, file = "matcher.json"): RuleSet {
  return parseRuleText(JSON.stringify(json), file);
}

const TSC_OUTPUT = "src/index.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.";

describe("a problem-matcher file dropped in as a sentinel", () => {
  it("names the category and tool of a matcher that a popular setup action ships", () => {
    const rules = parseRuleText(readFileSync(path.join(FIXTURES, "actions__setup-node__tsc.json"), "utf8"), "tsc.json");
    const d = classifyText(`> tsc --noEmit\n${TSC_OUTPUT}\n`, rules);
    expect(d).toMatchObject({ status: "failed", category: "typecheck", tool: "tsc" });
    expect(d.findings[0]).toMatchObject({ file: "src/index.ts", line: 3, column: 7, code: "2322" });
  });

  it("takes category, tool and confidence from the matcher's optional sentinel property", () => {
    const rules = matcherFile({
      problemMatcher: [
        {
          owner: "acme",
          sentinel: { category: "test", tool: "acme-test", confidence: 0.9 },
          pattern: [{ regexp: "^FAILED (\\S+):(\\d+) (.*)$", file: 1, line: 2, message: 3 }],
        },
      ],
    });
    const d = classifyText("FAILED spec/a.js:12 expected 1 to be 2\n", rules);
    expect(d).toMatchObject({ category: "test", tool: "acme-test" });
    expect(d.findings[0]).toMatchObject({ confidence: 0.9, file: "spec/a.js", line: 12 });
  });

  it("reports a failure it cannot name as failed with category unknown, not as a guessed category", () => {
    const rules = matcherFile({
      problemMatcher: [{ owner: "acme", pattern: [{ regexp: "^BROKEN: (.*)$", message: 1 }] }],
    });
    const d = classifyText("BROKEN: widget exploded\n", rules);
    expect(d).toMatchObject({ status: "failed", category: "unknown" });
    expect(d.firstErrorLine?.text).toBe("BROKEN: widget exploded");
  });

  it("reports an invalid sentinel property with its path and still loads the matcher", () => {
    const rules = matcherFile({
      problemMatcher: [
        {
          owner: "acme",
          sentinel: { category: "flaky", confidence: 3 },
          pattern: [{ regexp: "^BROKEN: (.*)$", message: 1 }],
        },
      ],
    });
    expect(rules.issues.map((i) => i.message)).toEqual([
      expect.stringContaining("problemMatcher.0.sentinel.category"),
      expect.stringContaining("problemMatcher.0.sentinel.confidence"),
    ]);
    expect(rules.sentinels).toHaveLength(1);
  });
});

describe("a problem matcher and a regex rule on the same line", () => {
  const matcher = matcherFile({
    problemMatcher: [
      {
        owner: "acme",
        sentinel: { category: "build" },
        pattern: [{ regexp: "^(\\S+):(\\d+): (.*)$", file: 1, line: 2, message: 3 }],
      },
    ],
  });
  const rule = (cont: boolean) =>
    rulesFromYaml(`
id: out-of-disk
name: Out of disk
matchers:
  - id: enospc
    pattern: "ENOSPC"
    classification: Error
    category: infra
    confidence: 0.6
    continue: ${cont}
`);

  it("both report when the regex rule has continue: true", () => {
    const streamed: string[] = [];
    classifyText("src/a.c:3: write failed: ENOSPC\n", mergeRuleSets(rule(true), matcher), {
      onEvent: (e) => void (e.type === "finding" && streamed.push(e.finding.ruleId)),
    });
    expect(streamed).toEqual(["out-of-disk/enospc", "problem-matcher.acme"]);
  });

  it("are one finding in the diagnosis, with the file and line the matcher read", () => {
    const d = classifyText("src/a.c:3: write failed: ENOSPC\n", mergeRuleSets(rule(true), matcher));
    // The matcher (confidence 0.8) is surer than the rule (0.6), so its category names the error.
    expect(d.findings).toEqual([expect.objectContaining({ file: "src/a.c", line: 3, category: "build" })]);
    expect(d.errorCount).toBe(1);
  });

  it("only the regex rule reports when it claims the line", () => {
    const d = classifyText("src/a.c:3: write failed: ENOSPC\n", mergeRuleSets(rule(false), matcher));
    expect(d.findings.map((f) => f.ruleId)).toEqual(["out-of-disk/enospc"]);
  });
});
