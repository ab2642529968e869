import { describe, expect, it } from "vitest";
import { DEFAULT_REPO_CONFIG, parseRepoConfig } from "../../src/config/index.js";

const parse = (llm: unknown) => parseRepoConfig({ llm }, ".github/sentinel.yml");

describe("the repository's llm section", () => {
  it("is off by default, with the test, typecheck, build and lint categories and a modest budget", () => {
    expect(DEFAULT_REPO_CONFIG.llm).toEqual({
      enabled: false,
      categories: ["test", "typecheck", "build", "lint"],
      maxTokensPerRun: 60_000,
      maxRunsPerDay: 20,
    });
  });

  it("keeps the defaults for what an opt-in leaves out", () => {
    expect(parse({ enabled: true, categories: ["test"] })).toEqual({
      config: expect.objectContaining({
        llm: { enabled: true, categories: ["test"], maxTokensPerRun: 60_000, maxRunsPerDay: 20 },
      }),
      errors: [],
    });
  });

  it("refuses a category Sentinel does not diagnose", () => {
    expect(parse({ categories: ["everything"] }).errors).toEqual([expect.stringContaining("llm.categories.0")]);
  });

  it("refuses a per-run token budget below 1000", () => {
    expect(parse({ maxTokensPerRun: 10 }).errors).toEqual([expect.stringContaining("llm.maxTokensPerRun")]);
  });

  it("refuses a key it does not know, so a typo does not silently leave the agent on its defaults", () => {
    expect(parse({ enable: true }).errors).toEqual([expect.stringContaining("llm")]);
  });
});
