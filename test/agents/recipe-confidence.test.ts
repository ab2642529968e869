import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { agentsFrom, loadBuiltinRecipes } from "../../src/agents/index.js";
import { policySchema } from "../../src/policy/index.js";
import { classifyText, loadBuiltinRules } from "../../src/sentinel/index.js";

// Each builtin recipe on its tool's real recorded failure (test/fixtures/tools), scored as the
// policy gate scores it: recipe confidence times diagnosis confidence. A rule change that lowers
// a diagnosis's confidence can silently stop a recipe from ever running under the default
// policy (it did: ESLint fell to 0.56 when summary lines stopped being primary findings).
const TOOLS = path.resolve(import.meta.dirname, "../fixtures/tools");
const CASES: ReadonlyArray<[recipe: string, fixture: string, files: string[]]> = [
  ["black", "black/check.log", ["pyproject.toml"]],
  ["prettier-write", "prettier/check.log", ["package.json", "package-lock.json"]],
  ["eslint-fix", "eslint/stylish.log", ["package.json", "package-lock.json"]],
  ["cargo-fmt", "cargo/fmt-check.log", ["Cargo.toml"]],
  ["cargo-clippy-fix", "cargo/clippy.log", ["Cargo.toml"]],
  ["gofmt", "go/gofmt-list.log", ["go.mod"]],
  ["npm-lockfile-sync", "lockfile/npm-ci.log", ["package.json", "package-lock.json"]],
  ["pnpm-lockfile-sync", "lockfile/pnpm-frozen.log", ["package.json", "pnpm-lock.yaml"]],
  ["yarn-lockfile-sync", "lockfile/yarn-frozen.log", ["package.json", "yarn.lock"]],
];

function command(fixture: string): string | undefined {
  const [dir, file] = fixture.split("/") as [string, string];
  const manifest = JSON.parse(readFileSync(path.join(TOOLS, dir, "fixtures.json"), "utf8")) as {
    cases: Array<{ file: string; command?: string }>;
  };
  return manifest.cases.find((c) => c.file === file)?.command;
}

describe("builtin recipes under the default policy", () => {
  const minConfidence = policySchema.parse({}).minConfidence;

  it.each(CASES)("%s clears policy.minConfidence on its tool's real output (%s)", async (id, fixture, files) => {
    const cmd = command(fixture);
    const diagnosis = classifyText(readFileSync(path.join(TOOLS, fixture), "utf8"), await loadBuiltinRules(), {
      ...(cmd ? { command: cmd } : {}),
    });
    const { recipes } = await loadBuiltinRecipes();
    const agent = agentsFrom(recipes, [], []).find((a) => a.id === id);
    // The command that produced the fixture is the failing command the fix is derived from.
    const score = agent?.handles({
      diagnosis,
      fileExists: (p) => files.includes(p),
      failingCommand: cmd ? ["sh", "-c", cmd] : null,
    });
    expect(score, `${id} on ${fixture}: ${diagnosis.summary}`).toBeGreaterThanOrEqual(minConfidence);
  });
});
