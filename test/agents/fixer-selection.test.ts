import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { agentsFrom, loadBuiltinRecipes, selectAgent, type AgentContext } from "../../src/agents/index.js";
import { classifyText, loadBuiltinRules } from "../../src/sentinel/index.js";

const TOOLS = path.resolve(import.meta.dirname, "../fixtures/tools");

interface Case {
  readonly file: string;
  readonly command?: string;
  readonly cwd?: string;
}

/** A fixture log (real output of the real tool), diagnosed as the pipeline does: command known, paths relative to the worktree. */
async function context(fixture: string, repoFiles: readonly string[]): Promise<AgentContext> {
  const [dir, file] = fixture.split("/") as [string, string];
  const manifest = JSON.parse(readFileSync(path.join(TOOLS, dir, "fixtures.json"), "utf8")) as {
    projectRoot?: string;
    cases: Case[];
  };
  const c = manifest.cases.find((x) => x.file === file)!;
  const root = manifest.projectRoot && c.cwd ? path.resolve(manifest.projectRoot, c.cwd) : manifest.projectRoot;
  const diagnosis = classifyText(readFileSync(path.join(TOOLS, fixture), "utf8"), await loadBuiltinRules(), {
    ...(c.command ? { command: c.command } : {}),
    ...(root ? { workspaceRoots: [root] } : {}),
  });
  return { diagnosis, fileExists: (p) => repoFiles.includes(p), failingCommand: null };
}

async function agents() {
  return agentsFrom((await loadBuiltinRecipes()).recipes, []);
}

describe("the formatter and lockfile recipes", () => {
  it.each([
    ["isort/check.log", ["src/app.py"], "isort"],
    ["isort/check-diff.log", ["src/app.py"], "isort"],
    ["clang-format/dry-run-werror.log", ["src/main.c"], "clang-format"],
    ["shfmt/diff.log", ["bin/release", "scripts/deploy.sh"], "shfmt"],
    ["shfmt/list.log", ["scripts/deploy.sh"], "shfmt"],
    ["terraform/fmt-check.log", ["main.tf", "modules/network/variables.tf"], "terraform-fmt"],
    ["terraform/fmt-check-diff.log", ["main.tf", "modules/network/variables.tf"], "terraform-fmt"],
    ["lockfile/go-mod-update.log", ["go.mod"], "go-mod-tidy"],
    ["lockfile/go-sum-missing.log", ["go.mod", "main.go"], "go-mod-tidy"],
    ["lockfile/cargo-locked.log", ["Cargo.toml", "Cargo.lock"], "cargo-update"],
    ["lockfile/npm-ci.log", ["package.json", "package-lock.json"], "npm-lockfile-sync"],
    ["lockfile/pnpm-frozen.log", ["package.json", "pnpm-lock.yaml"], "pnpm-lockfile-sync"],
    ["lockfile/yarn-frozen.log", ["package.json", "yarn.lock"], "yarn-lockfile-sync"],
  ])("are chosen for the real tool's %s", async (fixture, files, expected) => {
    expect(selectAgent(await agents(), await context(fixture, files))?.agent.id).toBe(expected);
  });

  it("fix only the files the check named: `{files}` becomes each of them, once", async () => {
    const ctx = await context("clang-format/dry-run-werror.log", ["src/main.c", "include/util.h"]);
    const chosen = selectAgent(await agents(), ctx)!;
    // Ten findings, all in src/main.c; include/util.h was checked and is clean.
    expect(chosen.agent.plan(ctx).map((s) => s.command)).toEqual([["clang-format", "-i", "--", "src/main.c"]]);
  });

  it("refuse a check whose named file is not a file of the repository", async () => {
    const ctx = await context("terraform/fmt-check.log", ["main.tf"]);
    expect(selectAgent(await agents(), ctx)).toBeNull();
  });

  it("leave clang-format's warnings alone when the check passed (no -Werror)", async () => {
    const ctx = await context("clang-format/dry-run.log", ["src/main.c"]);
    expect(ctx.diagnosis.status).toBe("passed");
    expect(selectAgent(await agents(), ctx)).toBeNull();
  });

  it("read terraform's bare file names only when the command is known to be terraform fmt", async () => {
    const log = readFileSync(path.join(TOOLS, "terraform/fmt-check.log"), "utf8");
    expect(classifyText(log, await loadBuiltinRules()).status).toBe("passed");
  });
});
