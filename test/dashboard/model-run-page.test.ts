import { describe, expect, it } from "vitest";
import { DashboardQueries } from "../../src/dashboard/dashboard-queries.js";
import { loadRun, runPage } from "../../src/dashboard/pages/run-page.js";
import { ADD_FIX, call, twoTurnFix } from "../support/model-fix.js";
import { modelPipeline } from "../support/model-pipeline.js";

const bench = modelPipeline();

async function page(runId: string): Promise<string> {
  const data = await loadRun(new DashboardQueries(bench.store), runId);
  if (!data) throw new Error(`no run ${runId}`);
  return runPage(data, true).value;
}

describe("the dashboard's page of a run the llm-patch agent worked on", () => {
  it("shows the model, its turns, tokens, cost and wall time, and the verified patch", async () => {
    const r = await bench.run(twoTurnFix());
    const html = await page(r.outcome.runId);
    const facts = /<dd id="model-usage">([\s\S]*?)<\/dd>/.exec(html)?.[1] ?? "";
    expect(facts.replace(/\s+/g, " ")).toMatch(
      /<code>scripted-model<\/code> <span class="badge [a-z]+">fixed<\/span> · 2 turns · 200 tokens in, 40 out · cost 0\.16 · \d/,
    );
    expect(html).toContain("<summary>the verified patch</summary>");
    expect(html).toContain("+  return a + b;");
    expect(html).toContain('<span class="kind">run_check</span>');
  });

  it("shows a reused patch as such, and escapes what the model wrote", async () => {
    const hostile = ADD_FIX.replace("+  return a + b;", "+  return a + b; // <img src=x onerror=alert(1)>");
    const first = await bench.run([{ kind: "tool_calls", calls: [call.patch(hostile), call.check()] }]);
    const html = await page(first.outcome.runId);
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("// &lt;img src=x onerror=alert(1)&gt;");
    const again = await bench.run([], { repo: { dir: first.dir, sha: first.sha } });
    const reused = /<dd id="model-usage">([\s\S]*?)<\/dd>/.exec(await page(again.outcome.runId))?.[1] ?? "";
    expect(reused.replace(/\s+/g, " ")).toContain(`0 turns · 0 tokens in, 0 out · cost 0 · `);
    expect(reused).toContain(`reused the verified patch of run <code>${first.outcome.runId}</code>, no model call`);
  });
});
