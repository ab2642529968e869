import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { agentsFrom, loadBuiltinRecipes } from "../../src/agents/index.js";
import { detectToolchains } from "../../src/sandbox/index.js";
import { fixerTool } from "../support/fixer-tools.js";
import { lockfileDrift } from "../support/lockfile-drift.js";
import { runRecipe } from "../support/recipe-run.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// Yarn 1 is the global `yarn`; Yarn 4 is installed from its npm package into a folder of its own
// (both from the npm registry: corepack would fetch Yarn from elsewhere).
const hasYarn1 = fixerTool("yarn", ["--version"], "npm install -g yarn@1.22.22");
const YARN4 = "@yarnpkg/cli-dist@4.18.1";

/** `yarn` (the given binary) writes yarn.lock for the vendored 1.0.0, and package.json then asks for 1.1.0. */
function driftedProject(yarn: string, files: Record<string, string>, extra: Record<string, unknown> = {}) {
  return lockfileDrift({
    manager: "yarn",
    dirs,
    files,
    manifestExtra: extra,
    lock: (dir, parent) => {
      const env = {
        ...process.env,
        HOME: parent,
        YARN_CACHE_FOLDER: path.join(parent, "cache"),
        COREPACK_ENABLE_STRICT: "0",
        // Yarn Berry makes every install immutable when it sees CI=true; this first install is the one
        // that writes the lockfile the drift is measured against.
        YARN_ENABLE_IMMUTABLE_INSTALLS: "false",
      };
      execFileSync(yarn, ["install"], { cwd: dir, env, stdio: "ignore" });
      rmSync(path.join(dir, "node_modules"), { recursive: true, force: true });
      rmSync(path.join(dir, ".yarn"), { recursive: true, force: true });
    },
  });
}

describe.skipIf(!hasYarn1)("the yarn-lockfile-sync recipe, on real lockfile drift", () => {
  it("with Yarn 1: is chosen for the frozen-lockfile refusal, updates only yarn.lock, and the frozen install passes", async () => {
    const project = driftedProject("yarn", { ".gitignore": "node_modules/\n" });
    const check = ["yarn", "install", "--frozen-lockfile", "--non-interactive"];
    const run = await runRecipe(project, check, dirs);
    expect(run.diagnosis).toMatchObject({ category: "dependency", tool: "yarn" });
    expect(run.outcome, run.outcome.reason).toMatchObject({ status: "proposed", agentId: "yarn-lockfile-sync" });
    expect(run.steps).toEqual([["sync", 0]]);
    expect(run.verify).toMatchObject({ exitCode: 0, status: "passed" });
    expect(run.changed).toEqual(["yarn.lock"]);
    expect(run.show("yarn.lock")).toContain('"price-format@file:vendor/price-format-1.1.0.tgz":\n  version "1.1.0"');
  }, 180_000);

  it("with Yarn 1: VERIFY fails on a lockfile that is still stale (a sync that did nothing is not proposed)", async () => {
    const project = driftedProject("yarn", { ".gitignore": "node_modules/\n" });
    const yarn = (await loadBuiltinRecipes()).recipes.find((r) => r.id === "yarn-lockfile-sync")!;
    // The builtin recipe with a sync step that changes nothing: its VERIFY alone decides.
    const noop = { ...yarn, steps: [{ ...yarn.steps[0]!, run: ["true"] }] };
    const run = await runRecipe(project, ["yarn", "install", "--frozen-lockfile"], dirs, {
      agents: agentsFrom([noop], []),
    });
    expect(run.outcome).toMatchObject({ status: "verify-failed", agentId: "yarn-lockfile-sync" });
  }, 180_000);

  it("with Yarn 4: updates only yarn.lock in update-lockfile mode, and the immutable install passes", async () => {
    const tool = mkdtempSync(path.join(tmpdir(), "sentinel-yarn4-"));
    dirs.push(tool);
    execFileSync("npm", ["install", "--prefix", tool, YARN4, "--no-audit", "--no-fund", "--silent"], {
      stdio: "ignore",
    });
    const bin = path.join(tool, "node_modules", ".bin");
    const project = driftedProject(
      path.join(bin, "yarn"),
      {
        ".yarnrc.yml": "nodeLinker: node-modules\n",
        // Yarn's own advice for a repository without zero-installs.
        ".gitignore": "node_modules/\n.yarn/*\n!.yarn/patches\n!.yarn/releases\n.pnp.*\n",
      },
      { packageManager: "yarn@4.18.1" },
    );
    const tools = detectToolchains();
    const run = await runRecipe(project, ["yarn", "install", "--immutable"], dirs, {
      toolEnv: { ...tools.env, PATH: `${bin}:${tools.env.PATH ?? `${path.dirname(process.execPath)}:/usr/bin:/bin`}` },
      readOnlyPaths: [...tools.readOnlyPaths, tool],
    });
    expect(run.diagnosis).toMatchObject({ category: "dependency", tool: "yarn" });
    expect(run.outcome, run.outcome.reason).toMatchObject({ status: "proposed", agentId: "yarn-lockfile-sync" });
    expect(run.steps).toEqual([["sync", 0]]);
    expect(run.verify).toMatchObject({ exitCode: 0, status: "passed" });
    expect(run.changed).toEqual(["yarn.lock"]);
    expect(run.show("yarn.lock")).toContain(
      '"price-format@file:vendor/price-format-1.1.0.tgz::locator=storefront%40workspace%3A.":\n  version: 1.1.0',
    );
  }, 240_000);
});
