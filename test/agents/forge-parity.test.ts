import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { agentsFrom, loadBuiltinRecipes, selectAgent, type AgentContext } from "../../src/agents/index.js";
import { failingScriptCommand } from "../../src/forge/gitlab/failing-command.js";
import { withFailingCommand } from "../../src/ingest/failing-command-look.js";
import { commandFromStep } from "../../src/pipeline/run-fix.js";
import { classifyText, loadBuiltinRules, type Diagnosis } from "../../src/sentinel/index.js";
import { actionsLog } from "../support/github-api.js";
import { gitlabTrace } from "../support/gitlab-api.js";

// GitLab parity: the same failure, printed by the same real tool, must reach the same recipe with
// the same plan whether GitHub Actions or GitLab Runner ran the job. The forges differ only in how
// the log is framed and where the failing command is read (a `Run <cmd>` step header against the
// runner's `$ <cmd>` echo in step_script), so that is what each case varies. The end-to-end tests
// (test/ingest/github-fix.test.ts, gitlab-fix.test.ts) carry cargo fmt and ESLint across both
// forges' wire; this holds every builtin recipe to the same decision on both.

const TOOLS = path.resolve(import.meta.dirname, "../fixtures/tools");
const recorded = (file: string) => readFileSync(path.join(TOOLS, file), "utf8");

interface Case {
  readonly recipe: string;
  /** A real output under test/fixtures/tools (its fixtures.json names the tool run that made it). */
  readonly output: string;
  /** The command CI ran; the recorded one unless a CI script would wrap it (gofmt -l exits 0). */
  readonly command: string;
  /** The files the repository holds, with their text where a recipe reads one. */
  readonly files: Readonly<Record<string, string>>;
}

const PACKAGE_JSON = JSON.stringify({ name: "demo", version: "1.0.0", scripts: { lint: "eslint src" } });

const CASES: readonly Case[] = [
  { recipe: "black", output: "black/check.log", command: "black --check src", files: { "pyproject.toml": "" } },
  { recipe: "isort", output: "isort/check.log", command: "isort --check-only src", files: { "pyproject.toml": "" } },
  {
    recipe: "autopep8-whitespace",
    output: "flake8/whitespace.log",
    command: "flake8 src",
    files: { "setup.cfg": "", "src/app.py": "" },
  },
  { recipe: "cargo-fmt", output: "cargo/fmt-check.log", command: "cargo fmt --check", files: { "Cargo.toml": "" } },
  {
    recipe: "cargo-clippy-fix",
    output: "cargo/clippy.log",
    command: "cargo clippy --fix --allow-dirty -- -D warnings",
    files: { "Cargo.toml": "" },
  },
  {
    recipe: "cargo-update",
    output: "lockfile/cargo-locked.log",
    command: "cargo build --locked",
    files: { "Cargo.toml": "", "Cargo.lock": "" },
  },
  {
    recipe: "clang-format",
    output: "clang-format/dry-run-werror.log",
    command: "clang-format --dry-run -Werror src/main.c include/util.h",
    files: { ".clang-format": "BasedOnStyle: LLVM\n" },
  },
  {
    recipe: "gofmt",
    output: "go/gofmt-list.log",
    command: 'test -z "$(gofmt -l . | tee /dev/stderr)"',
    files: { "go.mod": "module example.com/demo\n", "main.go": "" },
  },
  {
    recipe: "go-mod-tidy",
    output: "lockfile/go-sum-missing.log",
    command: "go build ./...",
    files: { "go.mod": "module example.com/demo\n" },
  },
  {
    recipe: "eslint-fix",
    output: "eslint/stylish.log",
    command: "npx eslint --no-color src",
    files: { "package.json": PACKAGE_JSON, "package-lock.json": "{}" },
  },
  {
    recipe: "prettier-write",
    output: "prettier/check.log",
    command: "npx prettier --check src",
    files: { "package.json": PACKAGE_JSON, "package-lock.json": "{}" },
  },
  {
    recipe: "npm-lockfile-sync",
    output: "lockfile/npm-ci.log",
    command: "npm ci",
    files: { "package.json": PACKAGE_JSON, "package-lock.json": "{}" },
  },
  {
    recipe: "pnpm-lockfile-sync",
    output: "lockfile/pnpm-frozen.log",
    command: "pnpm install --frozen-lockfile",
    files: { "package.json": PACKAGE_JSON, "pnpm-lock.yaml": "" },
  },
  {
    recipe: "yarn-lockfile-sync",
    output: "lockfile/yarn-frozen.log",
    command: "yarn install --frozen-lockfile",
    files: { "package.json": PACKAGE_JSON, "yarn.lock": "" },
  },
  { recipe: "shfmt", output: "shfmt/diff.log", command: "shfmt -d .", files: { "run.sh": "" } },
  {
    recipe: "terraform-fmt",
    output: "terraform/fmt-check.log",
    command: "terraform fmt -check -recursive",
    files: { "main.tf": "" },
  },
];

// ruff is in neither Debian 12 nor the npm registry, so no real ruff output is recorded here to
// replay; its recipe's own tests run it where it is installed.
const NOT_REPLAYED = ["ruff-fix"];

async function decide(c: Case, log: string, readCommand: (log: string, d: Diagnosis) => string[] | null) {
  const rules = await loadBuiltinRules();
  // As ingest does: a failure no sentinel knew gets a second look with the command that failed.
  const first = classifyText(log, rules);
  const diagnosis = await withFailingCommand(first, {
    failingCommand: () => readCommand(log, first)?.at(-1) ?? null,
    classifyAgain: (command) => classifyText(log, rules, { command }),
  });
  const failingCommand = readCommand(log, diagnosis);
  const ctx: AgentContext = {
    diagnosis,
    failingCommand,
    fileExists: (file) => file in c.files,
    readFile: (file) => c.files[file] ?? null,
  };
  const agents = agentsFrom((await loadBuiltinRecipes()).recipes, []);
  const chosen = selectAgent(agents, ctx);
  return {
    failingCommand,
    category: diagnosis.category,
    tool: diagnosis.tool,
    agent: chosen?.agent.id ?? null,
    plan: chosen?.agent.plan(ctx).map((s) => s.command) ?? null,
    verify: chosen?.agent.verifyCommand(ctx) ?? null,
  };
}

describe("every builtin recipe on both forges", () => {
  it("has a replayed case here, or a stated reason why not", async () => {
    const ids = (await loadBuiltinRecipes()).recipes.map((r) => r.id).sort();
    expect([...CASES.map((c) => c.recipe), ...NOT_REPLAYED].sort()).toEqual(ids);
  });

  for (const c of CASES) {
    it(`${c.recipe}: a GitHub job and a GitLab job that print ${c.output} get the same agent, plan and verify command`, async () => {
      const output = recorded(c.output);
      // As fix-job reads them: the diagnosis's `Run …` step on GitHub, the trace's echo on GitLab.
      const github = await decide(c, actionsLog(c.command, output), (_log, d) => commandFromStep(d));
      const gitlab = await decide(c, gitlabTrace(c.command, output), failingScriptCommand);
      expect(github.failingCommand).toEqual(["sh", "-c", c.command]);
      expect(gitlab).toEqual(github);
      expect(github.agent).toBe(c.recipe);
    });
  }
});
