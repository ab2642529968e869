import { describe, expect, it } from "vitest";
import { planMatching } from "../../../src/sentinel/engine/matching-plan.js";
import { loadBuiltinRules } from "../../../src/sentinel/index.js";

describe("the literal automaton", () => {
  it("is built once for classifiers of the same rules, and each gets its own line state", async () => {
    const { sentinels } = await loadBuiltinRules();
    const a = planMatching(sentinels);
    const b = planMatching(sentinels);
    expect(b.prefilter).toBe(a.prefilter);
    expect(b.line).not.toBe(a.line);
  });
});
