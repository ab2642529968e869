import { describe, expect, it, vi } from "vitest";
import * as anchored from "../../../src/sentinel/regex/anchored-prefix.js";
import { classifyText, loadBuiltinRules } from "../../../src/sentinel/index.js";

vi.mock("../../../src/sentinel/regex/anchored-prefix.js", async (importOriginal) => {
  const original = await importOriginal<typeof anchored>();
  return { ...original, anchoredPrefix: vi.fn(original.anchoredPrefix) };
});

describe("a pattern's anchored start", () => {
  it("is worked out once per pattern, not again on every line that reaches it", async () => {
    const rules = await loadBuiltinRules();
    const spy = vi.mocked(anchored.anchoredPrefix);
    // Lines every tool's file:line matchers look at (tsc, eslint, gcc shapes): thousands of them.
    const lines = Array.from(
      { length: 3000 },
      (_, i) => `src/file${i % 7}.ts(${i + 1},5): error TS2322: Type 'string' is not assignable to type 'number'.`,
    );
    spy.mockClear();
    classifyText(lines.join("\n") + "\n", rules, { source: "log" });
    const patterns = rules.sentinels.reduce(
      (n, s) => n + s.regexMatchers.length + s.problemMatchers.reduce((m, pm) => m + pm.definition.patterns.length, 0),
      0,
    );
    expect(spy.mock.calls.length).toBeLessThanOrEqual(patterns);
  });
});
