import { describe, expect, it } from "vitest";
import { agentsFrom, parseRecipe, type Agent } from "../../src/agents/index.js";
import { DEFAULT_POLICY, policySchema } from "../../src/policy/index.js";
import { localGate, Trust, type FixGate, type GateInput } from "../../src/pipeline/index.js";
import { git, localRepo } from "../support/git-repos.js";
import { addProject, twoTurnFix } from "../support/model-fix.js";
import { entry, modelPipeline } from "../support/model-pipeline.js";

const bench = modelPipeline();

/**
 * A repository recipe that claims every failing test and cannot fix this one: it edits the
 * failing source and leaves a file of its own, as a linter's `--fix` does for a rule with no fix.
 */
function guessingRecipe(): Agent[] {
  const { recipe, issues } = parseRecipe(
    [
      "id: test-guess",
      "name: Test guesser",
      "handles: { categories: [test] }",
      "confidence: 0.9",
      "steps:",
      `  - { id: fix, run: [sh, -c, "echo '// guessed' >> src/add.js; echo tried > guess.txt"] }`,
      "",
    ].join("\n"),
    "test-guess.yml",
  );
  if (!recipe) throw new Error(issues.join("\n"));
  return agentsFrom([], [recipe]);
}

describe("a recipe whose fix fails VERIFY, with the model agent enabled", () => {
  it("is taken back, and the model agent fixes the failure from the commit as it was", async () => {
    const r = await bench.run(twoTurnFix(), { recipes: guessingRecipe() });
    expect(r.outcome).toMatchObject({ status: "proposed", agentId: "llm-patch" });
    expect(entry(r, "fallback")).toMatchObject({ from: "test-guess", to: "llm-patch" });
    expect(String(entry(r, "fallback")?.because)).toMatch(/still fails after test-guess/);
    const branch = r.outcome.branch!;
    // Only the model's change is proposed: nothing of the recipe's is in the commit.
    expect(git(r.dir, "show", `${branch}:src/add.js`)).toBe("export function add(a, b) {\n  return a + b;\n}");
    expect(git(r.dir, "show", "--name-only", "--format=", branch)).toBe("src/add.js");
    expect(bench.server().requests).toHaveLength(2);
  });

  it("says in the pull request which recipe was tried first and taken back", async () => {
    const r = await bench.run(twoTurnFix(), { recipes: guessingRecipe() });
    const pr = await bench.store.runs.findPullRequest("local", r.dir, r.outcome.branch!);
    expect(pr?.body).toMatch(/The recipe `test-guess` was tried first; its change did not pass/);
  });

  it("goes to the model agent's own tier: a T0 model runs as a shadow where the recipe would propose", async () => {
    const repo = localRepo(addProject(), "sentinel-fallback-tier-");
    const trust = new Trust(bench.store.gov);
    await trust.set("local", repo.dir, "test-guess", 2, "a maintainer");
    const { gate } = localGate({ trust, policy: DEFAULT_POLICY, mode: "propose", fixCategories: {}, repo: repo.dir });
    const r = await bench.run(twoTurnFix(), { repo, gate, recipes: guessingRecipe() });
    expect(r.outcome).toMatchObject({ status: "shadow", agentId: "llm-patch", action: "shadow" });
    const decisions = r.ledger.filter((e) => e.kind === "policy.decision").map((e) => e.data);
    expect(decisions.at(-1)).toMatchObject({ stage: "preflight", action: "shadow" });
  });

  it("is denied at the model agent's own gate where the policy keeps models away from the category", async () => {
    const repo = localRepo(addProject(), "sentinel-fallback-denied-");
    const trust = new Trust(bench.store.gov);
    const policy = policySchema.parse({ approval: { modelWritten: false } });
    const { gate } = localGate({
      trust,
      policy,
      mode: "propose",
      fixCategories: { test: ["test-guess"] },
      repo: repo.dir,
    });
    const r = await bench.run(twoTurnFix(), { repo, gate, recipes: guessingRecipe() });
    expect(entry(r, "fallback")).toMatchObject({ from: "test-guess", to: "llm-patch" });
    expect(r.outcome).toMatchObject({ status: "policy", rule: "fix.categories.test" });
    expect(bench.server().requests).toHaveLength(0);
  });

  it("stops as VERIFY found it when the model agent is off for the repository", async () => {
    const r = await bench.run(twoTurnFix(), { recipes: guessingRecipe(), config: { enabled: false } });
    expect(r.outcome).toMatchObject({ status: "verify-failed", agentId: "test-guess" });
    expect(entry(r, "fallback")).toBeUndefined();
  });

  it("falls back once: the model's handoff ends the run, with nothing pushed", async () => {
    const r = await bench.run(
      [
        { kind: "tool_calls", calls: [{ name: "read_file", arguments: { path: "src/add.js" } }] },
        { kind: "message", content: "I could not find the problem." },
      ],
      { recipes: guessingRecipe() },
    );
    expect(r.outcome).toMatchObject({ status: "escalated", agentId: "llm-patch" });
    expect(r.ledger.filter((e) => e.kind === "fallback")).toHaveLength(1);
    expect(git(r.dir, "branch", "--list", "sentinel/*")).toBe("");
  });

  it("waits for the approval a model-written fix needs, and once approved resumes to the same patch with no model call", async () => {
    const repo = localRepo(addProject(), "sentinel-fallback-approval-");
    // The service's gate in short: a model-written fix waits at PACKAGE until a human approved the run.
    const seen: GateInput[] = [];
    const gate: FixGate = (input) => {
      seen.push(input);
      return Promise.resolve(
        input.stage === "package" && input.modelWritten && !input.approved
          ? { verdict: "wait", rule: "policy.approval.modelWritten", message: "a model wrote this fix" }
          : { verdict: "allow", action: "propose" },
      );
    };
    const waits = await bench.run(twoTurnFix(), { repo, gate, recipes: guessingRecipe() });
    expect(waits.outcome).toMatchObject({ status: "waiting-approval", rule: "policy.approval.modelWritten" });
    expect(await bench.store.runs.setRunStatus(waits.outcome.runId, "approved", ["waiting"])).toBe(true);

    const resumed = await bench.run([], {
      repo,
      gate,
      recipes: guessingRecipe(),
      request: { resumeRunId: waits.outcome.runId },
    });
    expect(resumed.outcome).toMatchObject({ runId: waits.outcome.runId, status: "proposed", agentId: "llm-patch" });
    expect(bench.server().requests).toHaveLength(0);
    expect(git(repo.dir, "show", `${resumed.outcome.branch!}:src/add.js`)).toContain("return a + b;");
    // Each run asked the recipe's gate, then the model's, then the package gate.
    expect(seen.map((s) => [s.stage, s.agentId])).toEqual([
      ["preflight", "test-guess"],
      ["preflight", "llm-patch"],
      ["package", "llm-patch"],
      ["preflight", "test-guess"],
      ["preflight", "llm-patch"],
      ["package", "llm-patch"],
    ]);
  });
});
