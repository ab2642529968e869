import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, policySchema } from "../../src/policy/index.js";
import { localGate, Trust } from "../../src/pipeline/index.js";
import { git, localRepo } from "../support/git-repos.js";
import { ADD_FIX, addProject, twoTurnFix } from "../support/model-fix.js";
import { entry, modelPipeline } from "../support/model-pipeline.js";

const bench = modelPipeline();

describe("the governance of model-written fixes", () => {
  it("starts the model agent at T0 in a repository whose policy starts agents at T1", async () => {
    const trust = new Trust(bench.store.gov);
    expect(await trust.tierOf("local", "/r", "llm-patch", DEFAULT_POLICY)).toBe(0);
    expect(await trust.tierOf("local", "/r", "eslint-fix", DEFAULT_POLICY)).toBe(1);
  });

  it("runs a T0 model fix as a shadow: verified and recorded with its patch in the ledger, nothing pushed", async () => {
    const repo = localRepo(addProject(), "sentinel-model-shadow-");
    const trust = new Trust(bench.store.gov);
    const { gate } = localGate({ trust, policy: DEFAULT_POLICY, mode: "propose", fixCategories: {}, repo: repo.dir });
    const r = await bench.run(twoTurnFix(), { repo, gate });
    expect(r.outcome).toMatchObject({ status: "shadow", agentId: "llm-patch", action: "shadow" });
    expect(r.outcome.reason).toMatch(/^shadow mode: llm-patch \(scripted-model\) would change 1 file \(\+1 −1\)/);
    expect(git(repo.dir, "branch", "--list", "sentinel/*")).toBe("");
    expect(entry(r, "model.patch")).toMatchObject({
      model: "scripted-model",
      patch: expect.stringContaining("+  return a + b;"),
    });
    expect(String(entry(r, "model.patch")?.patch)).toContain(ADD_FIX.split("\n")[5]);
  });

  it("lets a promoted model agent propose, where the repository's policy needs no approval", async () => {
    const repo = localRepo(addProject(), "sentinel-model-t1-");
    const trust = new Trust(bench.store.gov);
    await trust.set("local", repo.dir, "llm-patch", 1, "a maintainer");
    const policy = policySchema.parse({ approval: { modelWritten: false } });
    const { gate } = localGate({ trust, policy, mode: "propose", fixCategories: {}, repo: repo.dir });
    const r = await bench.run(twoTurnFix(), { repo, gate });
    expect(r.outcome).toMatchObject({ status: "proposed", action: "propose" });
  });

  it("is denied where fix.categories keeps the model away from a category", async () => {
    const repo = localRepo(addProject(), "sentinel-model-categories-");
    const trust = new Trust(bench.store.gov);
    const { gate } = localGate({
      trust,
      policy: DEFAULT_POLICY,
      mode: "propose",
      fixCategories: { test: ["jest-*"] },
      repo: repo.dir,
    });
    const r = await bench.run(twoTurnFix(), { repo, gate });
    expect(r.outcome).toMatchObject({ status: "policy", rule: "fix.categories.test" });
    expect(bench.server().requests).toHaveLength(0);
  });
});
