import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { agentsFrom, loadBuiltinRecipes, parseRecipe, type AgentContext } from "../../src/agents/index.js";
import { classifyText, loadBuiltinRules, type Diagnosis } from "../../src/sentinel/index.js";

const TOOLS = path.resolve(import.meta.dirname, "../fixtures/tools");

/** A real recorded failure (test/fixtures/tools), diagnosed as ingestion does. */
async function recorded(fixture: string, command: string, root = "/home/runner/work/demo/demo"): Promise<Diagnosis> {
  return classifyText(readFileSync(path.join(TOOLS, fixture), "utf8"), await loadBuiltinRules(), {
    command,
    workspaceRoots: [root],
  });
}

// Where test/fixtures/tools/generate-native.sh ran black.
const BLACK_ROOT = "/tmp/sentinel-fixtures/native/black/project";

async function agent(id: string, repoRecipes: string[] = []) {
  const own = repoRecipes.map((text) => parseRecipe(text, "own.yml").recipe!);
  return agentsFrom((await loadBuiltinRecipes()).recipes, own).find((a) => a.id === id)!;
}

function ctx(diagnosis: Diagnosis, failing: string | null, o: Partial<AgentContext> = {}): AgentContext {
  return {
    diagnosis,
    fileExists: () => true,
    failingCommand: failing === null ? null : ["sh", "-c", failing],
    ...o,
  };
}

describe("a recipe whose fix is derived from the failing command", () => {
  it("plans the derived command and verifies with the failing command itself, without its shell", async () => {
    const d = await recorded("black/check.log", "black --check src");
    const black = await agent("black");
    const c = ctx(d, "black --check src --extend-exclude '/gen/'");
    expect(black.plan(c).map((s) => s.command)).toEqual([["black", "src", "--extend-exclude", "/gen/"]]);
    expect(black.verifyCommand(c)).toEqual(["black", "--check", "src", "--extend-exclude", "/gen/"]);
  });

  it("plans one step per `&&` part, the second named after the first", async () => {
    const d = await recorded("eslint/stylish.log", "npm run lint");
    const pkg = JSON.stringify({ scripts: { lint: "eslint . && prettier --check ." } });
    const eslint = await agent("eslint-fix");
    const c = ctx(d, "npm run lint", {
      readFile: (p) => (p === "package.json" ? pkg : null),
      fileExists: (p) => p !== "node_modules",
    });
    const steps = eslint.plan(c);
    expect(steps.map((s) => [s.id, s.command.join(" "), s.onError])).toEqual([
      ["install", "npm ci --ignore-scripts --no-audit --no-fund", "retry"],
      ["fix", "npx --no-install eslint --fix .", "continue"],
      ["fix-2", "npx --no-install prettier --write .", "continue"],
    ]);
    expect(eslint.verifyCommand(c)).toEqual(["npm", "run", "lint"]);
  });

  it("falls back to the files the diagnosis names when the command cannot be derived", async () => {
    const d = await recorded("black/check.log", "black --check src", BLACK_ROOT);
    const black = await agent("black");
    for (const failing of [null, "black --check $(git ls-files '*.py')", "npx eslint ."])
      expect(black.plan(ctx(d, failing)).map((s) => s.command)).toEqual([["black", "--", "src/app.py"]]);
  });

  it("refuses a fallback over a file the log names outside the workspace", async () => {
    const d = await recorded("black/check.log", "black --check src");
    expect(d.findings.some((f) => f.file?.startsWith("/tmp/"))).toBe(true);
    expect((await agent("black")).handles(ctx(d, null))).toBeNull();
  });

  it("refuses, saying why, when it can derive nothing and the diagnosis names no file", async () => {
    const d = await recorded("black/check.log", "black --check src");
    const black = await agent("black");
    const c = ctx(d, "make format-check", { fileExists: () => false });
    expect(black.handles(c)).toBeNull();
    expect(black.declined?.(c)).toMatch(
      /no fix command could be derived \(`make format-check` is not a check any recipe knows the fix of\), and the diagnosis names no file/,
    );
  });

  it("without a fallback (cargo clippy) refuses what it cannot derive, whatever files the diagnosis names", async () => {
    const d = await recorded("cargo/clippy.log", "cargo clippy -- -D warnings");
    const clippy = await agent("cargo-clippy-fix");
    expect(clippy.handles(ctx(d, "cargo clippy -- -D warnings"))).not.toBeNull();
    expect(clippy.handles(ctx(d, null))).toBeNull();
    expect(clippy.declined?.(ctx(d, "cd crates && cargo clippy"))).toMatch(/`cd crates` is not a check/);
  });

  it("cargo fmt's fallback runs rustfmt on the named files only, with the root Cargo.toml's edition, verified by the whole workspace", async () => {
    const d = await recorded(
      "cargo/fmt-check.log",
      "cargo fmt --check",
      "/tmp/sentinel-fixtures/native/cargo/fmt-check",
    );
    const fmt = await agent("cargo-fmt");
    const c = ctx(d, null);
    const [step] = fmt.plan(c);
    expect(step!.command.slice(0, 2)).toEqual(["sh", "-c"]);
    expect(step!.command.slice(3)).toEqual(["rustfmt", "src/main.rs"]);
    expect(fmt.verifyCommand(c)).toEqual(["cargo", "fmt", "--all", "--check"]);
  });

  it("says nothing about failures it does not take", async () => {
    const d = await recorded("black/check.log", "black --check src");
    expect((await agent("eslint-fix")).declined?.(ctx(d, null))).toBeNull();
  });

  it("uses a repository recipe's rules for a part of the chain no builtin knows", async () => {
    const d = await recorded("black/check.log", "black --check src");
    const yapf =
      "id: yapf\nname: yapf\nhandles: { categories: [format], tools: [yapf] }\nderive:\n  - { command: [yapf], drop: [--diff], add: [--in-place] }\nsteps:\n  - { id: f, run: '{fixCommand}' }\n";
    const black = await agent("black", [yapf]);
    expect(black.plan(ctx(d, "black --check src && yapf --diff -r tools")).map((s) => s.command)).toEqual([
      ["black", "src"],
      ["yapf", "--in-place", "-r", "tools"],
    ]);
  });
});

describe("a recipe's derive fields", () => {
  const recipe = (steps: string, derive = "derive:\n  - { command: [black], drop: [--check] }\n") =>
    parseRecipe(`id: x\nname: X\nhandles: { categories: [format] }\n${derive}steps:\n${steps}`, "x.yml");

  it("accept `{fixCommand}` alone with a fallback that has `{files}`", () => {
    expect(recipe('  - { id: f, run: "{fixCommand}", fallback: [black, --, "{files}"] }\n').issues).toEqual([]);
  });

  it.each([
    ['  - { id: f, run: "{fixCommand}" }\n', "", "needs the recipe's `derive`"],
    ['  - { id: f, run: [env, "{fixCommand}"] }\n', undefined, "must be the whole command"],
    ['  - { id: f, run: "{fixCommand}", fallback: black . }\n', undefined, "must have a `{files}` argument"],
    ['  - { id: f, run: black ., fallback: [black, "{files}"] }\n', undefined, "goes with"],
  ])("refuse %s", (steps, derive, message) => {
    const { recipe: r, issues } = recipe(steps, derive);
    expect(r).toBeNull();
    expect(issues.join("\n")).toContain(message);
  });

  it("refuse a drop that is not an option", () => {
    expect(
      recipe('  - { id: f, run: "{fixCommand}" }\n', "derive:\n  - { command: [black], drop: [src] }\n").issues,
    ).toEqual([expect.stringContaining("derive.0.drop.0")]);
  });
});
