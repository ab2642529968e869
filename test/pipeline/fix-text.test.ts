import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { commitMessage, forkPatchComment, pullRequestTitle, type ModelNote } from "../../src/pipeline/fix-text.js";
import { classifyText, loadBuiltinRules, type Diagnosis } from "../../src/sentinel/index.js";

/** A real tool output fixture (test/fixtures/tools), diagnosed with the builtin sentinels. */
async function diagnose(
  tool: string,
  file: string,
  command: string,
  workspaceRoots: string[] = [],
): Promise<Diagnosis> {
  const text = readFileSync(path.resolve(import.meta.dirname, "../fixtures/tools", tool, file), "utf8");
  return classifyText(text, await loadBuiltinRules(), { source: "shell", command, workspaceRoots });
}

describe("a fix's pull request title", () => {
  it("says which file was formatted with which formatter", async () => {
    const d = await diagnose("black", "check.log", "black --check src");
    expect(pullRequestTitle(d, "black", ["src/app.py"])).toBe("Format src/app.py with black");
  });

  it("counts the files when the formatter changed several", async () => {
    const d = await diagnose("black", "check.log", "black --check src");
    expect(pullRequestTitle(d, "black", ["src/app.py", "src/util.py"])).toBe("Format 2 files with black");
  });

  it("counts the lint errors the fixer fixed, with the tool named as people write it", async () => {
    const d = await diagnose("eslint", "stylish.log", "npx eslint --no-color src");
    expect(pullRequestTitle(d, "ESLint --fix", ["src/app.js"])).toBe("Fix 2 ESLint problems with ESLint --fix");
  });
});

describe("a fix's commit message", () => {
  it("quotes the failure with paths relative to the repository, not to the run's worktree", async () => {
    // cargo fmt ran in the fixture's project folder, which stands here for a run's worktree.
    const worktree = "/tmp/sentinel-fixtures/native/cargo/fmt-check";
    const d = await diagnose("cargo", "fmt-check.log", "cargo fmt --check");
    expect(d.summary).toContain(`${worktree}/src/main.rs`);
    const message = commitMessage(d, "cargo fmt", ["cargo", "fmt", "--check"], "run_1", {
      files: ["src/main.rs"],
      worktreeRoots: [worktree],
    });
    expect(message.split("\n")[0]).toBe("Format src/main.rs with cargo fmt");
    expect(message).not.toContain("/tmp/");
    expect(message).toContain("src/main.rs");
  });
});

describe("a model-written fix", () => {
  const model: ModelNote = { model: "qwen2.5-coder:7b\n@octocat", tokensIn: 900, tokensOut: 120, cost: 0, turns: 2 };

  it("says in its commit message which model wrote it, with a Sentinel-Model trailer (a push onto a branch has no pull request body)", async () => {
    const d = await diagnose("cargo", "fmt-check.log", "cargo fmt --check");
    const message = commitMessage(d, "llm-patch", ["cargo", "fmt", "--check"], "run_1", { model });
    const lines = message.split("\n");
    expect(message).toContain(
      "Model-written: a language model, qwen2.5-coder:7b @\u200boctocat (Sentinel's llm-patch agent)",
    );
    expect(lines.at(-1)).toBe("Sentinel-Model: qwen2.5-coder:7b @\u200boctocat");
    expect(lines.filter((l) => l.startsWith("Sentinel-"))).toHaveLength(3);
  });

  it("says nothing of a model in the commit message of a recipe's fix", async () => {
    const d = await diagnose("cargo", "fmt-check.log", "cargo fmt --check");
    const message = commitMessage(d, "cargo fmt", ["cargo", "fmt", "--check"], "run_1");
    expect(message).not.toMatch(/model/i);
  });

  it("says before the patch in a fork's patch comment that a model wrote it, and what it cost", async () => {
    const d = await diagnose("cargo", "fmt-check.log", "cargo fmt --check");
    const comment = forkPatchComment({
      diagnosis: d,
      agentName: "llm-patch",
      verify: ["cargo", "fmt", "--check"],
      runId: "run_1",
      files: ["src/main.rs"],
      patch: "--- a/src/main.rs\n+++ b/src/main.rs\n",
      model,
    });
    const before = comment.split("```diff")[0] as string;
    expect(before).toContain("**Model-written:** a language model");
    expect(before).toContain("2 turns, 900 tokens in and 120 out");
    // The model's name (deployment configuration) is shown as code, where a mention pings nobody.
    expect(before).toMatch(/`[^`\n]*qwen2\.5-coder:7b[^`\n]*@octocat[^`\n]*`/);
  });
});
