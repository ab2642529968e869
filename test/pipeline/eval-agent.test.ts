import { mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { localCases } from "../../bench/eval-agent/cases.js";
import { runEval } from "../../bench/eval-agent/run-eval.js";
import { spawnScript, tableRows } from "../support/eval-agent-output.js";
import { localRepo } from "../support/git-repos.js";
import { ADD_BROKEN, ADD_FIXED, addProject, twoTurnFix } from "../support/model-fix.js";
import { startScriptedLlmServer } from "../support/scripted-llm-server.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("npm run eval:agent with no endpoint configured", () => {
  it("runs every local case through the pipeline against the scripted server, prints each scored as its script should, and exits 0", async () => {
    const cases = localCases();
    // The command as anyone runs it, with no endpoint and no repositories in its environment.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("SENTINEL_LLM_") && k !== "SENTINEL_EVAL_REPOS"),
    );
    const run = await spawnScript("eval:agent", {
      ...env,
      SENTINEL_LLM_PRICE_IN_PER_1K: "0.5",
      SENTINEL_LLM_PRICE_OUT_PER_1K: "1.5",
    });
    const rows = tableRows(run.stdout);

    expect(run.stdout).toContain("SENTINEL_EVAL_REPOS is not set: local cases only");
    expect(rows.map((r) => [r.result, r.id, r.kind])).toEqual(cases.map((c) => [c.scripted!.expect, c.id, c.kind]));
    expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(["test", "typecheck", "build"]));
    for (const r of rows) {
      // Two scripted turns of 100 tokens in and 20 out each, at 0.5 and 1.5 per 1000.
      expect(r).toMatchObject({ turns: "2", tokensIn: "200", tokensOut: "40", cost: "0.1600" });
      expect(r.seconds).toMatch(/^\d+\.\d$/);
    }
    expect(rows.find((r) => r.result === "wrong")?.detail).toBe(
      "changed held-out test/median.test.js; with it restored the command fails",
    );
    const count = (v: string) => cases.filter((c) => c.scripted!.expect === v).length;
    expect(run.stdout).toContain(
      `scripted server (no endpoint configured): ${count("fixed")} fixed and verified, ${count("wrong")} wrong, ` +
        `${count("refused")} refused, 0 skipped of ${cases.length}; ` +
        `${200 * cases.length} tokens in, ${40 * cases.length} out, cost ${(0.16 * cases.length).toFixed(4)}`,
    );
    expect(run.code).toBe(0);
  }, 600_000);
});

/** A stand-in for a public repository: its clone in a SENTINEL_EVAL_REPOS folder, named owner+name. */
function standInRepository(add: string): { reposDir: string; upstream: { sha: string } } {
  const reposDir = mkdtempSync(path.join(tmpdir(), "sentinel-eval-repos-"));
  dirs.push(reposDir);
  const upstream = localRepo(addProject({ add }), "sentinel-eval-upstream-");
  mkdirSync(path.join(reposDir, "acme+adder"));
  renameSync(upstream.dir, path.join(reposDir, "acme+adder", "repo"));
  return { reposDir, upstream };
}

/** The stand-in's case: its `node --test` at `sha`, with one edit to src/add.js as the defect. */
function adderCase(id: string, sha: string, edit: { find: string; replace: string }) {
  return {
    id,
    kind: "test" as const,
    command: "node --test",
    needs: ["node"],
    held: ["test"],
    source: { kind: "repository" as const, repo: "acme/adder", commit: sha, defect: [{ file: "src/add.js", ...edit }] },
  };
}

describe("npm run eval:agent on a repository case", () => {
  it("skips a case whose command fails at the pinned commit too, naming the command: its failure is not the defect's", async () => {
    // Upstream's own test fails already (as `cargo build --offline` does where no crate is cached).
    const { reposDir, upstream } = standInRepository(ADD_BROKEN);
    const report = await runEval({
      env: {},
      reposDir,
      cases: [
        {
          ...adderCase("adder-broken-upstream", upstream.sha, { find: "a - b", replace: "a * b" }),
          scripted: { expect: "fixed", turns: twoTurnFix() },
        },
      ],
    });
    expect(report.results).toEqual([
      expect.objectContaining({ id: "adder-broken-upstream", result: "skipped", turns: 0 }),
    ]);
    expect(report.results[0]!.detail).toMatch(/^`node --test` fails at the pinned commit too: /);
  }, 300_000);
});

describe("npm run eval:agent against a configured endpoint", () => {
  it("clones a repository case from SENTINEL_EVAL_REPOS at its commit, commits the defect and scores the model's fix", async () => {
    const { reposDir, upstream } = standInRepository(ADD_FIXED);
    const server = await startScriptedLlmServer(twoTurnFix());
    try {
      const report = await runEval({
        env: { SENTINEL_LLM_BASE_URL: server.baseURL, SENTINEL_LLM_MODEL: "scripted-model" },
        reposDir,
        cases: [adderCase("adder-test", upstream.sha, { find: "a + b", replace: "a - b" })],
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
