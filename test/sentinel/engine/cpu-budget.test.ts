import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CpuBudget } from "../../../src/sentinel/engine/cpu-budget.js";
import { classifyText, createClassifier, loadBuiltinRules, parseRuleText } from "../../../src/sentinel/index.js";

/**
 * Valid repository rules (each has a literal and stays under the instruction cap) that are slow
 * together on lines carrying every literal: each evaluation walks a ~1,800-instruction program
 * over an 11 KB line.
 */
const slow = parseRuleText(
  "id: slow\nname: Slow\nmatchers:\n" +
    Array.from(
      { length: 8 },
      (_, i) => `  - id: m${i}\n    pattern: 'error${i}(?:.{0,500})(?:\\w{0,400})Q'\n    continue: true\n`,
    ).join(""),
  "slow.yml",
);
const hostileLine =
  Array.from({ length: 8 }, (_, i) => `error${i} `)
    .join("")
    .repeat(200) + "Q\n";

describe("the CPU budget of one diagnosis", () => {
  it("is spent by valid repository rules on a log built for them", () => {
    expect(slow.issues).toEqual([]);
  });

  it("stops matching once spent, and the diagnosis says so in its stats and its summary", () => {
    const c = createClassifier(slow, { cpuBudgetMs: 5 });
    for (let i = 0; i < 500; i++) c.write(hostileLine);
    const d = c.end();
    expect(d.stats.stopped).toBe("cpu-budget");
    expect(d.stats.lines).toBeLessThan(500);
    expect(d.summary).toMatch(
      /Sentinel stopped at log line \d+: matching this log against the rules took more than the 0\.005 s CPU budget/,
    );
  });

  it("reads nothing written after it stopped", () => {
    const c = createClassifier(slow, { cpuBudgetMs: 1 });
    c.write(hostileLine.repeat(50));
    const d1 = c.end();
    const c2 = createClassifier(slow, { cpuBudgetMs: 1 });
    c2.write(hostileLine.repeat(50));
    c2.write("later line\n".repeat(1000));
    expect(c2.end().stats).toEqual(d1.stats);
  });

  it("leaves a log stopped before any failure unknown, not passed", () => {
    const d = classifyText("error0 Q\n" + hostileLine.repeat(100), slow, { cpuBudgetMs: 1 });
    expect(d.stats.stopped).toBe("cpu-budget");
    expect(d.status).not.toBe("passed");
  });

  it("is not reached by the builtin rules on a real log, so no diagnosis mentions it", async () => {
    const log = readFileSync(new URL("../../fixtures/tools/jest/failing.log", import.meta.url), "utf8");
    const d = classifyText(log, await loadBuiltinRules());
    expect(d.stats.stopped).toBeUndefined();
    expect(d.summary).not.toContain("CPU budget");
  });

  it("counts the time of candidate lines only, across lines", () => {
    let t = 0;
    const budget = new CpuBudget(10, () => t);
    budget.startLine();
    t += 6;
    budget.endLine();
    t += 1_000; // between candidate lines: the byte loop, the network, the caller
    budget.startLine();
    t += 3;
    expect(budget.check()).toBe(false);
    t += 2;
    expect(budget.check()).toBe(true);
    expect(budget.exhausted).toBe(true);
  });
});
