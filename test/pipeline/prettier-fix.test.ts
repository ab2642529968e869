import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { agentsFrom, loadBuiltinRecipes } from "../../src/agents/index.js";
import { runFix } from "../../src/pipeline/index.js";
import { LocalForge } from "../../src/forge/index.js";
import { detectSandbox } from "../../src/sandbox/index.js";
import { classifyText, loadBuiltinRules } from "../../src/sentinel/index.js";
import { openDatabase, RunStore } from "../../src/store/index.js";
import { MirrorCache } from "../../src/workspace/index.js";
import { git } from "../support/git-repos.js";

const require = createRequire(import.meta.url);
const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(path.join(tmpdir(), "sentinel-prettier-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * A real JavaScript project whose `prettier --check` fails. Prettier comes from a local tarball
 * (packed from Sentinel's own devDependency) so the recipe's `npm ci` installs it without the
 * registry; everything else is what a user's repository has: package.json, a lockfile, sources.
 */
function prettierProject(): { dir: string; sha: string; tarballDir: string } {
  const tarballDir = scratch();
  const prettierDir = path.dirname(require.resolve("prettier/package.json"));
  const tgz = execFileSync("npm", ["pack", prettierDir, "--pack-destination", tarballDir, "--silent"], {
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .pop() as string;
  const dir = scratch();
  git(dir, "init", "-q", "-b", "main");
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify(
      {
        name: "demo",
        version: "1.0.0",
        private: true,
        devDependencies: { prettier: `file:${path.join(tarballDir, tgz)}` },
      },
      null,
      2,
    ) + "\n",
  );
  execFileSync("npm", ["install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund", "--silent"], {
    cwd: dir,
  });
  writeFileSync(path.join(dir, "index.js"), "const greet = (name)=>{return 'hello '+name}\nmodule.exports = {greet}\n");
  writeFileSync(path.join(dir, ".prettierignore"), "package-lock.json\n");
  writeFileSync(path.join(dir, ".gitignore"), "node_modules/\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "initial");
  return { dir, sha: git(dir, "rev-parse", "HEAD"), tarballDir };
}

describe("the governed pipeline on a real JavaScript project with a Prettier failure", () => {
  it("installs with scripts off, formats, verifies with the failing command, and proposes the fix", async () => {
    const { dir, sha, tarballDir } = prettierProject();
    // The failure as CI saw it: prettier's own output for this project.
    const ciOutput =
      "Checking formatting...\n[warn] index.js\n[warn] Code style issues found in the above file. Run Prettier with --write to fix.\n";
    const diagnosis = classifyText(ciOutput, await loadBuiltinRules(), { command: "npx prettier --check ." });
    expect(diagnosis).toMatchObject({ category: "format", tool: "prettier" });
    const db = await openDatabase({});
    const runs = new RunStore(db);
    try {
      const out = await runFix(
        {
          runs,
          mirrors: new MirrorCache(scratch()),
          workRoot: scratch(),
          forge: new LocalForge(runs, dir),
          agents: agentsFrom((await loadBuiltinRecipes()).recipes, []),
          rules: await loadBuiltinRules(),
          sandbox: detectSandbox(),
          sandboxPolicy: "preferred",
          logger: pino({ level: "silent" }),
          readOnlyPaths: [tarballDir],
          // The install needs no registry (prettier comes from a tarball): nothing is allowed out.
          egress: { allow: [], allowPrivate: [] },
        },
        {
          forge: "local",
          repo: dir,
          sha,
          baseBranch: "main",
          diagnosis,
          failingCommand: ["sh", "-c", "npx --no-install prettier --check ."],
        },
      );
      expect(out).toMatchObject({ status: "proposed", agentId: "prettier-write" });
      expect(git(dir, "show", `${out.branch}:index.js`)).toBe(
        'const greet = (name) => {\n  return "hello " + name;\n};\nmodule.exports = { greet };',
      );
      expect(git(dir, "show", "--name-only", "--format=", out.branch as string)).toBe("index.js");
      const commands = (await runs.ledger(out.runId))
        .filter((e) => e.kind === "command")
        .map((e) => [e.data.step, e.data.exitCode]);
      // PREFLIGHT installed the dependencies the way CI would, before anything ran; the recipe's
      // own install step then finds node_modules there and is skipped.
      expect(commands).toEqual([["format", 0]]);
      const installs = (await runs.ledger(out.runId)).filter((e) => e.kind === "install");
      expect(installs.map((e) => [e.data.manager, e.data.exitCode])).toEqual([["npm", 0]]);
      expect(readFileSync(path.join(dir, "index.js"), "utf8")).toContain("(name)=>");
    } finally {
      await db.close();
    }
  });
});
