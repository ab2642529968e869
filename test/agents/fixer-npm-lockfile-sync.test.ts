import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkoutFix, remoteOf, runRecipe } from "../support/recipe-run.js";
import { packVendored } from "../support/vendored-package.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const manifest = (tarball: string) =>
  JSON.stringify(
    { name: "storefront", version: "1.4.0", private: true, dependencies: { "price-format": `file:vendor/${tarball}` } },
    null,
    2,
  ) + "\n";

/**
 * A project that vendors its dependency as a tarball. npm writes package-lock.json for 1.0.0;
 * then package.json moves to the vendored 1.1.0 and the lockfile is not updated: the drift
 * `npm ci` refuses. No registry is needed anywhere.
 */
function driftedProject(): { remote: string; sha: string } {
  const parent = mkdtempSync(path.join(tmpdir(), "sentinel-npm-drift-"));
  dirs.push(parent);
  const dir = path.join(parent, "storefront");
  const old = packVendored("price-format", "1.0.0", path.join(dir, "vendor"), dirs);
  const next = packVendored("price-format", "1.1.0", path.join(dir, "vendor"), dirs);
  writeFileSync(path.join(dir, "package.json"), manifest(old));
  writeFileSync(path.join(dir, ".gitignore"), "node_modules/\n");
  execFileSync("npm", ["install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund", "--silent"], {
    cwd: dir,
  });
  writeFileSync(path.join(dir, "package.json"), manifest(next));
  return remoteOf(dir);
}

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
