import { mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { localCases } from "../../bench/eval-agent/cases.js";
import { runEval } from "../../bench/eval-agent/run-eval.js";
import { localRepo } from "../support/git-repos.js";
import { ADD_FIXED, addProject, twoTurnFix } from "../support/model-fix.js";
import { startScriptedLlmServer } from "../support/scripted-llm-server.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

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

describe("npm run eval:agent against a configured endpoint", () => {
  it("clones a repository case from SENTINEL_EVAL_REPOS at its commit, commits the defect and scores the model's fix", async () => {
    // A stand-in for a public repository: its clone in SENTINEL_EVAL_REPOS, named owner+name.
    const reposDir = mkdtempSync(path.join(tmpdir(), "sentinel-eval-repos-"));
    dirs.push(reposDir);
    const upstream = localRepo(addProject({ add: ADD_FIXED }), "sentinel-eval-upstream-");
    mkdirSync(path.join(reposDir, "acme+adder"));
    renameSync(upstream.dir, path.join(reposDir, "acme+adder", "repo"));
    const server = await startScriptedLlmServer(twoTurnFix());
    try {
      const report = await runEval({
        env: { SENTINEL_LLM_BASE_URL: server.baseURL, SENTINEL_LLM_MODEL: "scripted-model" },
        reposDir,
        cases: [
          {
            id: "adder-test",
            kind: "test",
            command: "node --test",
            needs: ["node"],
            held: ["test"],
            source: {
              kind: "repository",
              repo: "acme/adder",
              commit: upstream.sha,
              defect: [{ file: "src/add.js", find: "a + b", replace: "a - b" }],
            },
          },
        ],
      });
      expect(report).toMatchObject({ mode: "endpoint", model: "scripted-model" });
      expect(report.results).toEqual([
        expect.objectContaining({
          id: "adder-test",
          result: "fixed",
          turns: 2,
          detail: "verified; changed src/add.js",
        }),
      ]);
      expect(server.requests).toHaveLength(2);
    } finally {
      await server.close();
    }
  }, 300_000);
});
