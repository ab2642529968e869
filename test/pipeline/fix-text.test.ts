import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { commitMessage, pullRequestTitle } from "../../src/pipeline/fix-text.js";
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
