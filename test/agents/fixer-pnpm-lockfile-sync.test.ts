import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixerTool } from "../support/fixer-tools.js";
import { checkoutFix, remoteOf, runRecipe } from "../support/recipe-run.js";
import { packVendored } from "../support/vendored-package.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const hasPnpm = fixerTool("pnpm", ["--version"], "npm install -g pnpm@10.34.9");

const manifest = (tarball: string) =>
  JSON.stringify(
    { name: "storefront", version: "1.4.0", private: true, dependencies: { "price-format": `file:vendor/${tarball}` } },
    null,
    2,
  ) + "\n";

/**
 * A pnpm project that vendors its dependency as a tarball. pnpm writes pnpm-lock.yaml for 1.0.0;
 * then package.json moves to the vendored 1.1.0 and the lockfile is not updated: the drift a
 * frozen-lockfile install (CI's default) refuses. No registry is needed anywhere.
 */
function driftedProject(): { remote: string; sha: string } {
  const parent = mkdtempSync(path.join(tmpdir(), "sentinel-pnpm-drift-"));
  dirs.push(parent);
  const dir = path.join(parent, "storefront");
  const old = packVendored("price-format", "1.0.0", path.join(dir, "vendor"), dirs);
  const next = packVendored("price-format", "1.1.0", path.join(dir, "vendor"), dirs);
  writeFileSync(path.join(dir, "package.json"), manifest(old));
  writeFileSync(path.join(dir, ".gitignore"), "node_modules/\n");
  execFileSync("pnpm", ["install", "--lockfile-only", "--ignore-scripts", "--store-dir", path.join(parent, "store")], {
    cwd: dir,
    stdio: "ignore",
  });
  writeFileSync(path.join(dir, "package.json"), manifest(next));
  return remoteOf(dir);
}

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
