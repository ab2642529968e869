import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadBuiltinRecipes, recipeAgent, type AgentContext } from "../../src/agents/index.js";
import { classifyText, loadBuiltinRules, type Diagnosis } from "../../src/sentinel/index.js";
import { git, localRepo } from "../support/git-repos.js";
import { runCli } from "../support/run-cli.js";
import { hasFlake8AndAutopep8 } from "../support/toolchains.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const hasTools = hasFlake8AndAutopep8;

// Only whitespace and blank-line problems in src/; scripts/ has the same, but `flake8 src` never checks it.
const WHITESPACE_ONLY =
  "import os\n\n\ndef add(a,b):\n    total=a+b   \n    return total\ndef sep():\n    return os.sep\n";

async function agent() {
  const recipe = (await loadBuiltinRecipes()).recipes.find((r) => r.id === "autopep8-whitespace")!;
  return recipeAgent(recipe);
}

function context(diagnosis: Diagnosis, exists: (p: string) => boolean = () => true): AgentContext {
  return { diagnosis, fileExists: exists, failingCommand: null };
}

/** Real flake8 run in `dir`, diagnosed with the builtin sentinels as `sentinel fix` would. */
async function flake8(dir: string, ...args: string[]): Promise<{ output: string; diagnosis: Diagnosis }> {
  let output: string;
  try {
    output = execFileSync("flake8", args, { cwd: dir, encoding: "utf8" });
  } catch (error) {
    // flake8 exits 1 when it reports anything: its report is still on stdout.
    output = (error as { stdout: string }).stdout;
  }
  const diagnosis = classifyText(output, await loadBuiltinRules(), { command: `flake8 ${args.join(" ")}` });
  return { output, diagnosis };
}

describe("the autopep8-whitespace recipe", () => {
  it("refuses flake8 output that has codes other than whitespace (the fixture's F401, E501, E711…)", async () => {
    // test/fixtures/tools/flake8/lint.log: real flake8 5.0.4 output.
    const log = readFileSync(path.resolve(import.meta.dirname, "../fixtures/tools/flake8/lint.log"), "utf8");
    const d = classifyText(log, await loadBuiltinRules(), { command: "flake8 src" });
    expect(d).toMatchObject({ status: "failed", category: "lint", tool: "flake8" });
    expect((await agent()).handles(context(d))).toBeNull();
  });

  it.skipIf(!hasTools)("selects exactly the whitespace codes and files real flake8 reported", async () => {
    const { dir } = localRepo({ "src/calc.py": WHITESPACE_ONLY }, "sentinel-pep8-plan-");
    dirs.push(dir);
    const { diagnosis } = await flake8(dir, "src");
    const a = await agent();
    expect(a.handles(context(diagnosis))).not.toBeNull();
    expect(a.plan(context(diagnosis)).map((s) => s.command)).toEqual([
      ["autopep8", "--in-place", "--select", "E225,E231,E302,W291", "--", "src/calc.py"],
    ]);
  });

  it.skipIf(!hasTools)("refuses a file name from the log that is not a plain file of the repository", async () => {
    const { dir } = localRepo({ "src/calc.py": WHITESPACE_ONLY }, "sentinel-pep8-paths-");
    dirs.push(dir);
    const { diagnosis } = await flake8(dir, "src");
    expect((await agent()).handles(context(diagnosis, () => false))).toBeNull();
  });

  it.skipIf(!hasTools)(
    "fixes the files `flake8 src` named, leaves unchecked files alone, and flake8 passes on the fix branch",
    async () => {
      const { dir } = localRepo(
        { "src/calc.py": WHITESPACE_ONLY, "scripts/untouched.py": WHITESPACE_ONLY },
        "sentinel-pep8-fix-",
      );
      const data = mkdtempSync(path.join(tmpdir(), "sentinel-pep8-data-"));
      dirs.push(dir, data);
      const r = await runCli([
        "fix",
        "--repo",
        dir,
        "--command",
        "flake8 src",
        "--data-dir",
        path.join(data, "pglite"),
        "--format",
        "json",
      ]);
      const outcome = JSON.parse(r.stdout) as { status: string; agentId: string; branch: string };
      expect(outcome).toMatchObject({ status: "proposed", agentId: "autopep8-whitespace" });
      expect(git(dir, "diff", "--name-only", `HEAD..${outcome.branch}`)).toBe("src/calc.py");
      // The fix is what autopep8 itself makes of the file with those codes selected.
      const expected = execFileSync("autopep8", ["--select", "E225,E231,E302,W291", "-"], {
        input: WHITESPACE_ONLY,
        encoding: "utf8",
      });
      expect(git(dir, "show", `${outcome.branch}:src/calc.py`) + "\n").toBe(expected);
      git(dir, "checkout", "-q", outcome.branch);
      expect((await flake8(dir, "src")).output).toBe("");
    },
    120_000,
  );
});
