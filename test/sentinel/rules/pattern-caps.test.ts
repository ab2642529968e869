import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import {
  estimateProgramSize,
  loadBuiltinRules,
  MAX_PATTERN_PROGRAM_SIZE,
  parseRuleText,
  programBudget,
} from "../../../src/sentinel/index.js";

const rule = (pattern: string, extra = "") =>
  `id: ours\nname: Ours\nmatchers:\n  - id: m\n    pattern: '${pattern}'\n${extra}`;

describe("a rule pattern's compiled size", () => {
  it("is refused over 2,000 RE2 instructions, with the file, the line and the cap", () => {
    const { sentinels, issues } = parseRuleText(rule("error \\w{1000}\\w{1000}\\w{1000}"), "big.yml");
    expect(sentinels[0]?.regexMatchers).toEqual([]);
    expect(issues).toEqual([
      expect.objectContaining({
        file: "big.yml",
        line: 5,
        code: "E_PATTERN_TOO_LONG",
        message: expect.stringContaining("compiles to 3008 RE2 instructions; the limit is 2000"),
      }),
    ]);
  });

  it("is refused far over the cap on its estimate, before re2js compiles it", () => {
    // re2js takes about a second to compile this one; the estimate is linear in its text.
    const { issues } = parseRuleText(rule("error" + "\\w{1000}".repeat(400)), "huge.yml");
    expect(issues).toEqual([
      expect.objectContaining({
        code: "E_PATTERN_TOO_LONG",
        message: expect.stringContaining("compiles to about 400005 RE2 instructions"),
      }),
    ]);
  });

  it("lets a pattern under the cap through", () => {
    const { sentinels, issues } = parseRuleText(rule("error (?P<message>\\w{1,900})"), "ok.yml");
    expect(issues).toEqual([]);
    expect(sentinels[0]?.regexMatchers[0]?.pattern.programSize).toBeLessThanOrEqual(MAX_PATTERN_PROGRAM_SIZE);
  });

  it("is capped in problem-matcher files too", () => {
    const matcher = JSON.stringify({
      problemMatcher: [{ owner: "big", pattern: [{ regexp: "error \\w{1000}\\w{1000}\\w{1000}", message: 0 }] }],
    });
    const { sentinels, issues } = parseRuleText(matcher, "big.json");
    expect(sentinels).toEqual([]);
    expect(issues).toEqual([
      expect.objectContaining({ code: "E_PATTERN_TOO_LONG", message: expect.stringContaining("the limit is 2000") }),
    ]);
  });

  it("counts against a budget the repository's patterns share, and one that does not fit is refused", () => {
    const budget = programBudget(3_000);
    const first = parseRuleText(rule("error (?:.{0,900})"), "a.yml", { budget });
    const second = parseRuleText(rule("error (?:.{0,900})"), "b.yml", { budget });
    expect(first.issues).toEqual([]);
    expect(second.issues).toEqual([
      expect.objectContaining({
        file: "b.yml",
        code: "E_PATTERN_TOO_LONG",
        message: expect.stringContaining("left of the 3000 that a repository's rule files may use together"),
      }),
    ]);
  });

  it("is estimated within a factor of two of what re2js compiles, for every builtin pattern", async () => {
    const rules = await loadBuiltinRules();
    const patterns = rules.sentinels.flatMap((s) => [
      ...s.regexMatchers.flatMap((m) =>
        [m.pattern, ...(m.then ?? []).map((t) => t.pattern), ...(m.end ? [m.end] : [])].map((p) => ({
          source: p.source,
          size: p.programSize,
        })),
      ),
      ...s.problemMatchers.flatMap((pm) =>
        pm.definition.patterns.map((p) => ({
          source: RE2JS.translateRegExp(p.regexp.source),
          size: p.regexp.programSize,
        })),
      ),
    ]);
    const off = patterns.filter(
      (p) => estimateProgramSize(p.source) > 2 * p.size || estimateProgramSize(p.source) < p.size / 2,
    );
    expect(off).toEqual([]);
  });
});

describe("builtin sentinels", () => {
  it("all compile to at most half the instruction cap, every pattern of them", async () => {
    const rules = await loadBuiltinRules();
    const sizes = rules.sentinels.flatMap((s) => [
      ...s.regexMatchers.flatMap((m) => [
        m.pattern,
        ...(m.then ?? []).map((t) => t.pattern),
        ...(m.end ? [m.end] : []),
      ]),
      ...s.problemMatchers.flatMap((pm) => pm.definition.patterns.map((p) => p.regexp)),
    ]);
    expect(sizes.length).toBeGreaterThan(250);
    expect(sizes.filter((p) => p.programSize > MAX_PATTERN_PROGRAM_SIZE / 2).map((p) => p.source)).toEqual([]);
  });
});

describe("a repository pattern without a literal", () => {
  it("is refused at its line, saying to add a fixed word the line must contain", () => {
    const { sentinels, issues } = parseRuleText(rule("^(?P<file>\\S+) (?P<message>.*)$"), "ours.yml");
    expect(sentinels[0]?.regexMatchers).toEqual([]);
    expect(issues).toEqual([
      {
        file: "ours.yml",
        line: 5,
        column: 14,
        code: "E_PATTERN_NO_LITERAL",
        severity: "error",
        message: expect.stringContaining("so it would run on every log line. Add a fixed word the line must contain"),
      },
    ]);
  });

  it("is refused for a suppress rule too, which would also run on every line", () => {
    expect(parseRuleText(rule("^\\s*$", "    action: suppress\n"), "ours.yml").issues.map((i) => i.code)).toEqual([
      "E_PATTERN_NO_LITERAL",
    ]);
  });

  it("is accepted once it names a fixed word", () => {
    expect(parseRuleText(rule("^(?P<file>\\S+):(?P<line>\\d+): error: (?P<message>.*)$"), "ours.yml").issues).toEqual(
      [],
    );
  });

  it("in a builtin only warns, as before", () => {
    const { sentinels, issues } = parseRuleText(rule("^(.+)$"), "builtin.yml", { origin: "builtin" });
    expect(sentinels[0]?.regexMatchers).toHaveLength(1);
    expect(issues.map((i) => [i.code, i.severity])).toEqual([["W_PATTERN_NO_LITERAL", "warning"]]);
  });

  it("in a problem matcher is refused when none of its patterns has a literal", () => {
    const matcher = JSON.stringify({
      problemMatcher: [{ owner: "any", pattern: [{ regexp: "^(\\S+):(\\d+) (.*)$", file: 1, line: 2, message: 3 }] }],
    });
    const { sentinels, issues } = parseRuleText(matcher, "any.json");
    expect(sentinels).toEqual([]);
    expect(issues).toEqual([
      expect.objectContaining({
        code: "E_PATTERN_NO_LITERAL",
        message: expect.stringContaining('problem matcher "any"'),
      }),
    ]);
  });

  it("in a multi-line problem matcher is fine when another of its patterns has one to trigger on", () => {
    const matcher = JSON.stringify({
      problemMatcher: [
        {
          owner: "two",
          pattern: [
            { regexp: "^(\\S+)$", file: 1 },
            { regexp: "^  error: (.*)$", message: 1 },
          ],
        },
      ],
    });
    const { sentinels, issues } = parseRuleText(matcher, "two.json");
    expect(issues).toEqual([]);
    expect(sentinels).toHaveLength(1);
  });
});
