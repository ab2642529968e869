import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { localFixDeps, runFix } from "../../src/pipeline/index.js";
import { classifyText, loadBuiltinRules } from "../../src/sentinel/index.js";
import { openDatabase, RunStore } from "../../src/store/index.js";
import { git } from "../support/git-repos.js";
import { eslintProject } from "../support/js-projects.js";

const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(path.join(tmpdir(), "sentinel-eslint-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// ESLint 9.39.5's own output for this project in CI (stylish formatter).
const CI_OUTPUT = `
/home/runner/work/lint-demo/lint-demo/index.js
  1:1   error  Unexpected var, use let or const instead      no-var
  1:10  error  Missing semicolon                             semi
  2:5   error  'b' is never reassigned. Use 'const' instead  prefer-const
  2:10  error  Missing semicolon                             semi
  3:19  error  Missing semicolon                             semi

✖ 5 problems (5 errors, 0 warnings)
  5 errors and 0 warnings potentially fixable with the \`--fix\` option.
`;

describe("the governed pipeline on a real JavaScript project with ESLint violations", () => {
  it("installs ESLint with scripts off, applies its fixes, verifies with the failing command and proposes the fix", async () => {
    const project = eslintProject(scratch());
    if (!project) return;
    const diagnosis = classifyText(CI_OUTPUT, await loadBuiltinRules(), {
      workspaceRoots: ["/home/runner/work/lint-demo/lint-demo"],
    });
    expect(diagnosis).toMatchObject({ category: "lint", tool: "eslint" });
    const db = await openDatabase({});
    const runs = new RunStore(db);
    try {
      const work = scratch();
      const cacheDir = path.join(work, "dependency-cache");
      const out = await runFix(
        await localFixDeps({
          runs,
          repo: project.dir,
          mirrorsDir: path.join(work, "mirrors"),
          workRoot: path.join(work, "worktrees"),
          dependencyCacheDir: cacheDir,
        }),
        {
          forge: "local",
          repo: project.dir,
          sha: project.sha,
          baseBranch: "main",
          diagnosis,
          failingCommand: ["sh", "-c", "npx --no-install eslint ."],
        },
      );
      expect(out).toMatchObject({ status: "proposed", agentId: "eslint-fix" });
      expect(git(project.dir, "show", `${out.branch}:index.js`)).toBe(
        "const a = 1;\nconst b = 2;\nconsole.log(a + b);",
      );
      expect(git(project.dir, "show", "--name-only", "--format=", out.branch as string)).toBe("index.js");
      const steps = (await runs.ledger(out.runId))
        .filter((e) => e.kind === "command")
        .map((e) => [e.data.step, e.data.exitCode]);
      // PREFLIGHT installed the dependencies the way CI would, before anything ran; the recipe's
      // own install step then finds node_modules there and is skipped.
      expect(steps).toEqual([["fix", 0]]);
      const installs = (await runs.ledger(out.runId)).filter((e) => e.kind === "install");
      expect(installs.map((e) => [e.data.manager, e.data.exitCode])).toEqual([["npm", 0]]);
      // The repository's dependency cache outlives the run (the next install reads it) and is not part of the fix.
      expect(readdirSync(cacheDir).length).toBe(1);
    } finally {
      await db.close();
    }
  }, 120_000);
});
