import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  agentsFrom,
  loadBuiltinRecipes,
  loadRecipe,
  parseRecipe,
  selectAgent,
  type AgentContext,
} from "../../src/agents/index.js";
import { recipeJsonSchema, repoConfigJsonSchema } from "../../src/agents/json-schema.js";
import { classifyText, loadBuiltinRules } from "../../src/sentinel/index.js";

const ctx = async (log: string, files: string[], command: string | null = null): Promise<AgentContext> => ({
  diagnosis: classifyText(log, await loadBuiltinRules()),
  fileExists: (p) => files.includes(p),
  failingCommand: command ? ["sh", "-c", command] : null,
});

describe("builtin recipes", () => {
  it("all load without an issue", async () => {
    const { recipes, issues } = await loadBuiltinRecipes();
    expect(issues).toEqual([]);
    expect(recipes.map((r) => r.id).sort()).toEqual([
      "autopep8-whitespace",
      "black",
      "cargo-clippy-fix",
      "cargo-fmt",
      "cargo-update",
      "clang-format",
      "eslint-fix",
      "go-mod-tidy",
      "gofmt",
      "isort",
      "npm-lockfile-sync",
      "pnpm-lockfile-sync",
      "prettier-write",
      "ruff-fix",
      "shfmt",
      "terraform-fmt",
      "yarn-lockfile-sync",
    ]);
  });

  it.each([
    ["tools/eslint/stylish.log", ["package.json", "package-lock.json"], "eslint-fix", "npx eslint --no-color src"],
    ["tools/prettier/check.log", ["package.json"], "prettier-write", "npx prettier --check src"],
    ["tools/black/check.log", [], "black", "black --check src"],
    // npm's own message (as in test/sentinels/sentinel-examples.test.ts); no fixture log holds it.
    ["line: npm ci out of sync", ["package.json", "package-lock.json"], "npm-lockfile-sync", "npm ci"],
  ])("pick the right agent for real %s output", async (fixture, files, expected, command) => {
    const log = fixture.startsWith("line:")
      ? "npm error `npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync. Please update your lock file with `npm install` before continuing.\n"
      : readFileSync(new URL(`../fixtures/${fixture}`, import.meta.url), "utf8");
    const agents = agentsFrom((await loadBuiltinRecipes()).recipes, []);
    expect(selectAgent(agents, await ctx(log, files, command))?.agent.id).toBe(expected);
  });

  it("pick no agent when the repository lacks what the recipe needs", async () => {
    const log = readFileSync(new URL("../fixtures/tools/eslint/stylish.log", import.meta.url), "utf8");
    expect(selectAgent(agentsFrom((await loadBuiltinRecipes()).recipes, []), await ctx(log, []))).toBeNull();
  });

  it("can be disabled, and replaced by a repository's recipe with the same id", async () => {
    const builtin = (await loadBuiltinRecipes()).recipes;
    const own = parseRecipe(
      "id: eslint-fix\nname: Our eslint\nhandles: { categories: [lint], tools: [eslint] }\nsteps:\n  - { id: fix, run: npm run lint:fix }\n",
      "ours.yml",
    ).recipe!;
    expect(agentsFrom(builtin, [own]).find((a) => a.id === "eslint-fix")?.name).toBe("Our eslint");
    expect(agentsFrom(builtin, [], ["eslint-fix"]).some((a) => a.id === "eslint-fix")).toBe(false);
  });
});

describe("a recipe file", () => {
  it("that is invalid is reported with the path of each problem", () => {
    const { recipe, issues } = parseRecipe("id: x\nname: X\nhandles: { categories: [flaky] }\nsteps: []\n", "bad.yml");
    expect(recipe).toBeNull();
    expect(issues).toEqual([
      expect.stringContaining("bad.yml:3: E_RECIPE_SCHEMA: handles.categories.0"),
      expect.stringContaining("bad.yml:4: E_RECIPE_SCHEMA: steps"),
    ]);
  });

  it("of 40,000 keys is refused by its size, unparsed", () => {
    const text = ["id: big", ...Array.from({ length: 40_000 }, (_, i) => `k${i}: 1`)].join("\n");
    expect(loadRecipe(text, "big.yml")).toEqual({
      errors: [
        expect.objectContaining({
          file: "big.yml",
          code: "E_FILE_TOO_LARGE",
          message: expect.stringContaining("a recipe of up to 65536 bytes"),
        }),
      ],
    });
  });

  it("with a key repeated among 6,000 is refused at that key's line, by the linear check", () => {
    const text = [...Array.from({ length: 6_000 }, (_, i) => `k${i}: 1`), "k3: 2"].join("\n");
    expect(loadRecipe(text, "dup.yml")).toEqual({
      errors: [
        {
          file: "dup.yml",
          line: 6_001,
          column: 1,
          code: "E_YAML_DUPLICATE_KEY",
          message: 'Map keys must be unique: "k3" appears twice',
        },
      ],
    });
  });

  it("that is not YAML says so", () => {
    expect(parseRecipe("id: [unclosed\n", "broken.yml").issues[0]).toMatch(/^broken\.yml:\d+: E_YAML_SYNTAX: /);
  });
});

describe("the published schemas", () => {
  it.each([
    ["recipe.schema.json", recipeJsonSchema],
    ["config.schema.json", repoConfigJsonSchema],
  ])("%s matches its zod definition (run `npm run schema` after changing it)", (file, make) => {
    const committed = JSON.parse(readFileSync(new URL(`../../schema/${file}`, import.meta.url), "utf8"));
    expect(committed).toEqual(JSON.parse(JSON.stringify(make())));
  });
});
