import { describe, expect, it } from "vitest";
import { classifyText, createClassifier, parseRuleText } from "../../../src/sentinel/index.js";
import { rulesFromYaml } from "../../support/rules.js";

// Literal-free patterns are refused from a repository; loaded as builtins, they run on every line.
const catastrophic = parseRuleText(
  `
id: hostile
name: Hostile
matchers:
  - id: nested-plus
    pattern: '(a+)+$'
    category: lint
  - id: nested-star-with-literal
    pattern: 'start(x*)*y$'
    category: lint
`,
  "hostile.yml",
  { origin: "builtin" },
);

describe("hostile rules and input", () => {
  it("runs a catastrophic-backtracking pattern on a long line without stalling, because every pattern runs in linear time", () => {
    const line = "a".repeat(60_000) + "b";
    const d = classifyText(`${line}\nstart${"x".repeat(60_000)}z\n`, catastrophic);
    expect(d.status).toBe("passed");
    expect(d.stats.lines).toBe(2);
  });

  it("still matches with such a pattern when the input really matches", () => {
    const d = classifyText("a".repeat(10_000) + "\n", catastrophic);
    expect(d.findings.map((f) => f.ruleId)).toEqual(["hostile/nested-plus"]);
  });

  it("rejects a backreference with an error that names the file, the line and the rule", () => {
    const { sentinels, issues } = parseRuleText(
      ["id: backref", "name: Backref", "matchers:", "  - id: twice", "    pattern: '(a)\\1'"].join("\n"),
      "repo/.github/sentinels/backref.yml",
    );
    expect(sentinels[0]?.regexMatchers).toHaveLength(0);
    expect(issues).toEqual([
      expect.objectContaining({
        file: "repo/.github/sentinels/backref.yml",
        line: 5,
        code: "E_PATTERN_SYNTAX",
        severity: "error",
      }),
    ]);
    expect(issues[0]?.message).toContain("backref/twice");
  });

  it("rejects lookarounds, which RE2 cannot run in linear time", () => {
    const { issues } = parseRuleText(
      "id: look\nname: L\nmatchers:\n  - id: ahead\n    pattern: 'foo(?=bar)'\n",
      "look.yml",
    );
    expect(issues[0]?.code).toBe("E_PATTERN_SYNTAX");
  });

  it("rejects a rule file over the size cap without parsing it", () => {
    const { sentinels, issues } = parseRuleText("# " + "x".repeat(1024 * 1024 + 1), "big.yml");
    expect(sentinels).toEqual([]);
    expect(issues[0]?.code).toBe("E_FILE_TOO_LARGE");
  });

  it("rejects YAML alias bombs instead of expanding them", () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      ),
    ].join("\n");
    const { sentinels, issues } = parseRuleText(bomb, "bomb.yml");
    expect(sentinels).toEqual([]);
    expect(issues.length).toBeGreaterThan(0);
  });

  it("reports YAML tags and malformed YAML with a line number instead of throwing", () => {
    const tagged = parseRuleText("id: !!js/function 'x'\nname: n\nmatchers: []\n", "tag.yml");
    expect(tagged.issues[0]).toMatchObject({ file: "tag.yml", line: 1 });
    const broken = parseRuleText("id: x\nname: [unclosed\n", "broken.yml");
    expect(broken.issues[0]).toMatchObject({ file: "broken.yml", code: "E_YAML_SYNTAX" });
  });

  it("treats an empty rule file as no sentinels and no errors", () => {
    expect(parseRuleText("", "empty.yml")).toEqual({ sentinels: [], issues: [] });
  });

  it("cuts an endless line at the line cap and keeps counting lines after it", () => {
    const rules = rulesFromYaml(
      "id: t\nname: T\nmatchers:\n  - id: e\n    pattern: 'boom at the end'\n    category: test\n",
    );
    const c = createClassifier(rules, { maxLineBytes: 1024 });
    for (let i = 0; i < 100; i++) c.write("z".repeat(10_000));
    c.write("boom at the end\nnext line boom at the end\n");
    const d = c.end();
    expect(d.stats.lines).toBe(2);
    expect(d.findings.map((f) => f.logLine)).toEqual([2]);
  });

  it("stops at the byte cap and says the log was truncated", () => {
    const rules = rulesFromYaml(
      "id: t\nname: T\nmatchers:\n  - id: e\n    pattern: 'late failure'\n    category: test\n",
    );
    const c = createClassifier(rules, { maxBytes: 1000 });
    c.write("ok\n".repeat(1000) + "late failure\n");
    const d = c.end();
    expect(d.stats.truncated).toBe(true);
    expect(d.findings).toEqual([]);
  });

  it("does not crash on binary garbage", () => {
    const bytes = Buffer.alloc(200_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
    const c = createClassifier(catastrophic);
    c.write(bytes);
    expect(c.end().stats.bytes).toBe(200_000);
  });

  it("reports a repeated key with its line, and loads nothing from that document", () => {
    const { sentinels, issues } = parseRuleText(
      ["id: twice", "name: Twice", "matchers: []", "name: again"].join("\n"),
      "r.yml",
    );
    expect(sentinels).toHaveLength(0);
    expect(issues).toEqual([
      expect.objectContaining({
        line: 4,
        code: "E_YAML_DUPLICATE_KEY",
        message: expect.stringContaining('Map keys must be unique: "name"'),
      }),
    ]);
  });

  it("refuses a rule file of 50,000 unknown keys with one schema error, checking them for repeats in linear time", () => {
    // yaml's own unique-key check compares each key with all before it: 30 s for this file.
    const text = [
      "id: many",
      "name: many",
      "matchers: [{ id: a, pattern: x }]",
      ...Array.from({ length: 50_000 }, (_, i) => `k${i}: 1`),
    ].join("\n");
    const { sentinels, issues } = parseRuleText(text, "many.yml");
    expect(sentinels).toHaveLength(0);
    expect(issues.map((i) => i.code)).toEqual(["E_RULE_SCHEMA"]);
  });
});
