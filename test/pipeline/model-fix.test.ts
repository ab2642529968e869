import { describe, expect, it } from "vitest";
import { git } from "../support/git-repos.js";
import { ADD_FIX, ADD_FIXED, addProject, call, twoTurnFix } from "../support/model-fix.js";
import { entry, fingerprintOf, modelPipeline } from "../support/model-pipeline.js";

const bench = modelPipeline();

describe("a failing test fixed by the llm-patch agent through the governed pipeline", () => {
  it("is diagnosed, fixed by the model in 2 turns, verified by re-running the failing command and proposed", async () => {
    const r = await bench.run(twoTurnFix());
    expect(r.outcome).toMatchObject({ status: "proposed", agentId: "llm-patch" });
    expect(git(r.dir, "show", `${r.outcome.branch}:src/add.js`)).toBe(ADD_FIXED.trimEnd());
    expect(bench.server().requests).toHaveLength(2);
    expect(entry(r, "verify")).toMatchObject({ exitCode: 0, status: "passed" });
    expect(entry(r, "model.usage")).toMatchObject({
      model: "scripted-model",
      outcome: "fixed",
      turns: 2,
      tokensIn: 200,
      tokensOut: 40,
      cost: 0.16,
    });
  });

  it("says in the pull request that a model wrote the fix, which model, its tokens and its cost", async () => {
    const r = await bench.run(twoTurnFix());
    const pr = await bench.store.runs.findPullRequest("local", r.dir, r.outcome.branch!);
    expect(pr?.title).toBe("Fix the node-test failure in src/add.js with llm-patch (scripted-model)");
    expect(pr?.body).toContain(
      "**Model-written:** a language model, `scripted-model` (Sentinel's llm-patch agent), wrote this change in 2 turns, 200 tokens in and 40 out, cost 0.16.",
    );
  });

  it("sends the model the real diagnosis of the failing test, and run_check's new diagnosis, never the raw log", async () => {
    await bench.run([
      { kind: "tool_calls", calls: [call.patch(ADD_FIX.replace("a + b", "a * b")), call.check()] },
      { kind: "tool_calls", calls: [call.patch(ADD_FIX.replace("a - b", "a * b")), call.check()] },
    ]);
    const [first, second] = bench.server().requests;
    expect(first!.messages.at(-1)!.content).toMatch(/findings:\n- test\/add\.test\.js:5:1 adds two numbers/);
    const checked = second!.messages.filter((m) => m.role === "tool").at(-1)!.content;
    expect(checked).toContain("The check still fails.");
    expect(checked).toContain("status: failed (exit 1)");
    expect(checked).toContain("location: 'test/add.test.js:5:1'");
    // The diagnosis's evidence, not the log: the runner's closing counts are not sent.
    expect(checked).not.toContain("# pass 0");
  });

  it("pushes nothing when the patch passes the model's check but fails VERIFY", async () => {
    // A test that passes once after the fix and fails when run again: VERIFY's re-run catches it.
    const flaky = addProject();
    flaky["test/add.test.js"] = [
      'import { test } from "node:test";',
      'import assert from "node:assert/strict";',
      'import { existsSync, readFileSync, writeFileSync } from "node:fs";',
      'import { add } from "../src/add.js";',
      "",
      'test("adds two numbers, the first time it passes", () => {',
      '  const runs = existsSync("runs.txt") ? Number(readFileSync("runs.txt", "utf8")) : 0;',
      '  writeFileSync("runs.txt", String(runs + 1));',
      "  assert.equal(add(1, 2), 3);",
      "  assert.ok(runs < 2, `run ${runs}`);",
      "});",
      "",
    ].join("\n");
    const r = await bench.run([{ kind: "tool_calls", calls: [call.patch(ADD_FIX), call.check()] }], { files: flaky });
    expect(r.outcome.status).toBe("verify-failed");
    expect(entry(r, "model.usage")).toMatchObject({ outcome: "fixed" });
    expect(git(r.dir, "branch", "--list", "sentinel/*")).toBe("");
    expect(await bench.store.models.findPatch("local", r.dir, fingerprintOf(r))).toBeNull();
  });
});
