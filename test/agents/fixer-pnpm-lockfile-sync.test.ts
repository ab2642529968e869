import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixerTool } from "../support/fixer-tools.js";
import { lockfileDrift } from "../support/lockfile-drift.js";
import { checkoutFix, runRecipe } from "../support/recipe-run.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const hasPnpm = fixerTool("pnpm", ["--version"], "npm install -g pnpm@10.34.9");

/** pnpm writes pnpm-lock.yaml for the vendored 1.0.0, and package.json then asks for 1.1.0. */
const driftedProject = () =>
  lockfileDrift({
    manager: "pnpm",
    dirs,
    lock: (dir, parent) =>
      execFileSync(
        "pnpm",
        ["install", "--lockfile-only", "--ignore-scripts", "--store-dir", path.join(parent, "store")],
        {
          cwd: dir,
          stdio: "ignore",
        },
      ),
  });

describe.skipIf(!hasPnpm)("the pnpm-lockfile-sync recipe, on real lockfile drift", () => {
  it("is chosen for ERR_PNPM_OUTDATED_LOCKFILE, updates only pnpm-lock.yaml, and a frozen install accepts it", async () => {
    const project = driftedProject();
    const check = ["pnpm", "install", "--frozen-lockfile", "--ignore-scripts"];
    const run = await runRecipe(project, check, dirs);
    expect(run.diagnosis).toMatchObject({ category: "dependency", tool: "pnpm" });
    expect(run.outcome, run.outcome.reason).toMatchObject({ status: "proposed", agentId: "pnpm-lockfile-sync" });
    expect(run.steps).toEqual([["sync", 0]]);
    expect(run.verify).toMatchObject({ exitCode: 0, status: "passed" });
    expect(run.changed).toEqual(["pnpm-lock.yaml"]);
    expect(run.show("pnpm-lock.yaml")).toContain("specifier: file:vendor/price-format-1.1.0.tgz");
    const fixed = checkoutFix(run, dirs);
    execFileSync("pnpm", [...check.slice(1), "--store-dir", path.join(fixed, ".store")], {
      cwd: fixed,
      stdio: "ignore",
    });
    expect(readFileSync(path.join(fixed, "node_modules/price-format/index.js"), "utf8")).toContain("1.1.0");
  }, 180_000);
});
