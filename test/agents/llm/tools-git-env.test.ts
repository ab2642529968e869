import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_WRITE_POLICY, worktreeTools } from "../../../src/agents/llm/index.js";
import { gitEnv } from "../../../src/workspace/index.js";
import { git, localRepo } from "../../support/git-repos.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A worktree whose `.git` was replaced, as code run by run_check could replace it, with a
 * repository of its own whose config runs a command (an fsmonitor) and which tracks other files.
 * The real administrative directory lives elsewhere, as a pipeline worktree's does.
 */
function plantedWorktree() {
  const { dir } = localRepo({ "src/add.js": "export const add = (a, b) => a - b;\n" });
  const realGitDir = mkdtempSync(path.join(tmpdir(), "sentinel-real-gitdir-"));
  dirs.push(dir, realGitDir);
  rmSync(realGitDir, { recursive: true });
  renameSync(path.join(dir, ".git"), realGitDir);
  const marker = path.join(realGitDir, "..", `planted-${path.basename(dir)}`);
  git(dir, "init", "-q");
  writeFileSync(path.join(dir, "decoy.js"), "export const add = 'decoy';\n");
  git(dir, "add", "decoy.js");
  git(dir, "config", "core.fsmonitor", `touch ${marker}`);
  dirs.push(marker);
  return { dir, realGitDir, marker };
}

describe("the agent's git, given the worktree's own git environment", () => {
  it("searches and patches the real repository, never one planted in the worktree, and runs none of its config", async () => {
    const { dir, realGitDir, marker } = plantedWorktree();
    const tools = worktreeTools({
      worktree: dir,
      policy: DEFAULT_WRITE_POLICY,
      runCheck: () => Promise.resolve({ passed: true, summary: "passed" }),
      gitEnv: { ...gitEnv(), GIT_DIR: realGitDir, GIT_WORK_TREE: dir },
    });
    const found = await tools.call("search", { query: "export const add" });
    expect(found).toMatchObject({ ok: true, data: { text: "src/add.js:1:export const add = (a, b) => a - b;" } });
    const diff = [
      "--- a/src/add.js",
      "+++ b/src/add.js",
      "@@ -1 +1 @@",
      "-export const add = (a, b) => a - b;",
      "+export const add = (a, b) => a + b;",
      "",
    ].join("\n");
    expect(await tools.call("apply_patch", { diff })).toMatchObject({ ok: true, files: ["src/add.js"] });
    expect(readFileSync(path.join(dir, "src/add.js"), "utf8")).toBe("export const add = (a, b) => a + b;\n");
    expect(existsSync(marker)).toBe(false);
  });

  it("would read the planted repository without it (why the pipeline always passes it)", async () => {
    const { dir } = plantedWorktree();
    const tools = worktreeTools({
      worktree: dir,
      policy: DEFAULT_WRITE_POLICY,
      runCheck: () => Promise.resolve({ passed: true, summary: "passed" }),
    });
    expect(await tools.call("search", { query: "export const add" })).toMatchObject({
      ok: true,
      data: { text: "decoy.js:1:export const add = 'decoy';" },
    });
  });
});
