import { describe, expect, it } from "vitest";
import { localCases } from "../../bench/eval-agent/cases.js";
import { runEval } from "../../bench/eval-agent/run-eval.js";

describe("npm run eval:agent with no endpoint configured", () => {
  it("runs every local case through the pipeline against the scripted server and scores each as its script should", async () => {
    const cases = localCases();
    const report = await runEval({
      env: { SENTINEL_LLM_PRICE_IN_PER_1K: "0.5", SENTINEL_LLM_PRICE_OUT_PER_1K: "1.5" },
      cases,
    });
    expect(report.mode).toBe("scripted");
    expect(report.results.map((r) => [r.id, r.result])).toEqual(cases.map((c) => [c.id, c.scripted!.expect]));
    expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(["test", "typecheck", "build"]));
    for (const r of report.results) {
      // Two scripted turns of 100 tokens in and 20 out each, at 0.5 and 1.5 per 1000.
      expect(r).toMatchObject({ turns: 2, tokensIn: 200, tokensOut: 40, cost: 0.16 });
      expect(r.ms).toBeGreaterThan(0);
    }
    expect(report.results.find((r) => r.result === "wrong")?.detail).toBe(
      "changed held-out test/median.test.js; with it restored the command fails",
    );
  }, 600_000);
});
