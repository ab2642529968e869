import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  agentsFrom,
  loadBuiltinRecipes,
  selectAgent,
  type Agent,
  type AgentContext,
} from "../../../src/agents/index.js";
import { llmPatchAgent, type ModelMemory } from "../../../src/agents/llm/index.js";
import { classifyText, loadBuiltinRules, type Diagnosis, type RuleSet } from "../../../src/sentinel/index.js";
import { LLM_CONFIG } from "../../support/model-fix.js";

const fixture = (tool: string, file: string) =>
  readFileSync(path.resolve(import.meta.dirname, "../../fixtures/tools", tool, file), "utf8");

// The agent is never called in these tests: selection is decided before any model call.
const memory: ModelMemory = {
  findPatch: () => Promise.resolve(null),
  savePatch: () => Promise.resolve(),
  reserveRun: () => Promise.resolve(null),
  finishRun: () => Promise.resolve(),
};

function model(categories: readonly string[] = LLM_CONFIG.categories): Agent {
  return llmPatchAgent({
    settings: {
      baseURL: "http://127.0.0.1:9/v1",
      apiKey: "k",
      model: "m",
      priceInPer1k: 0,
      priceOutPer1k: 0,
      maxTurns: 8,
      maxRunsPerDayPerInstallation: 10,
    },
    config: { ...LLM_CONFIG, categories },
    memory,
    where: { forge: "local", repo: "r", installation: "local" },
  });
}

let rules: RuleSet;
let recipes: Agent[];
beforeAll(async () => {
  rules = await loadBuiltinRules();
  recipes = agentsFrom((await loadBuiltinRecipes()).recipes, []);
});

const context = (diagnosis: Diagnosis, failingCommand: string[] | null = ["node", "--test"]): AgentContext => ({
  diagnosis,
  fileExists: () => true,
  failingCommand,
});

describe("the llm-patch agent's selection", () => {
  it("is chosen for a failing test that no recipe handles, with the diagnosis's own confidence", () => {
    const d = classifyText(fixture("node-test", "tap.log"), rules, { command: "node --test" });
    const chosen = selectAgent([...recipes, model()], context(d));
    expect(chosen).toEqual({ agent: expect.objectContaining({ id: "llm-patch" }), confidence: d.confidence });
  });

  it("comes after the recipes, even where it is more confident than the recipe that handles the failure", () => {
    const d = classifyText(fixture("eslint", "stylish.log"), rules, { command: "npx eslint ." });
    const ctx = context(d, ["npx", "eslint", "."]);
    const modelAgent = model(["lint"]);
    const recipe = selectAgent(recipes, ctx);
    expect(recipe?.agent.id).toBe("eslint-fix");
    expect(modelAgent.handles(ctx)).toBeGreaterThan(recipe!.confidence);
    expect(selectAgent([modelAgent, ...recipes], ctx)?.agent.id).toBe("eslint-fix");
  });

  it("handles a type error located at file and line", () => {
    const d = classifyText(fixture("tsc", "type-errors.log"), rules, { command: "npx tsc --noEmit" });
    expect(model().handles(context(d, ["npx", "tsc", "--noEmit"]))).toBe(d.confidence);
  });

  it("leaves a category the repository did not list in llm.categories", () => {
    const d = classifyText(fixture("tsc", "type-errors.log"), rules, { command: "npx tsc --noEmit" });
    expect(model(["test"]).handles(context(d, ["npx", "tsc", "--noEmit"]))).toBeNull();
  });

  it("leaves a failure without a located finding: the model is never asked about a bare exit code", () => {
    const d = classifyText(fixture("node-test", "tap.log"), rules, { command: "node --test" });
    const unlocated: Diagnosis = { ...d, findings: d.findings.map(({ file: _f, line: _l, ...rest }) => rest) };
    expect(model().handles(context(unlocated))).toBeNull();
  });

  it("leaves a failure without evidence (no log lines around the error)", () => {
    const d = classifyText(fixture("node-test", "tap.log"), rules, { command: "node --test" });
    expect(model().handles(context({ ...d, evidence: null }))).toBeNull();
  });

  it("leaves a failure whose failing command is unknown: neither run_check nor VERIFY could re-run it", () => {
    const d = classifyText(fixture("node-test", "tap.log"), rules, { command: "node --test" });
    expect(model().handles(context(d, null))).toBeNull();
  });

  it("plans no command of its own: EXECUTE hands the worktree to its worker", () => {
    const agent = model();
    const d = classifyText(fixture("node-test", "tap.log"), rules, { command: "node --test" });
    expect(agent.plan(context(d))).toEqual([]);
    expect(agent.verifyCommand(context(d))).toBeNull();
    expect(agent.model?.model).toBe("m");
  });
});
