import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lockfileDrift } from "../support/lockfile-drift.js";
import { checkoutFix, runRecipe } from "../support/recipe-run.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** npm writes package-lock.json for the vendored 1.0.0, and package.json then asks for 1.1.0. */
const driftedProject = () =>
  lockfileDrift({
    manager: "npm",
    dirs,
    lock: (dir) =>
      execFileSync(
        "npm",
        ["install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund", "--silent"],
        {
          cwd: dir,
        },
      ),
  });

describe("the npm-lockfile-sync recipe, on real lockfile drift", () => {
  it("is chosen for `npm ci` refusing the lockfile, updates only package-lock.json, and npm ci accepts it", async () => {
    const project = driftedProject();
    const check = ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"];
    const run = await runRecipe(project, check, dirs);
    expect(run.diagnosis).toMatchObject({ category: "dependency", tool: "npm" });
    expect(run.outcome, run.outcome.reason).toMatchObject({ status: "proposed", agentId: "npm-lockfile-sync" });
    expect(run.steps).toEqual([["sync", 0]]);
    expect(run.verify).toMatchObject({ exitCode: 0, status: "passed" });
    expect(run.changed).toEqual(["package-lock.json"]);
    const lock = JSON.parse(run.show("package-lock.json")) as { packages: Record<string, { version?: string }> };
    expect(lock.packages["node_modules/price-format"]?.version).toBe("1.1.0");
    const fixed = checkoutFix(run, dirs);
    execFileSync("npm", check.slice(1), { cwd: fixed, stdio: "ignore" });
    expect(readFileSync(path.join(fixed, "node_modules/price-format/index.js"), "utf8")).toContain("1.1.0");
  }, 180_000);
});
