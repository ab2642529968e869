import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hasCargoFmt } from "../support/toolchains.js";
import { checkoutFix, remoteOf, runRecipe } from "../support/recipe-run.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const write = (dir: string, file: string, text: string) => {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
};

/**
 * A workspace of two crates (crates.io is not reachable here, so its members are its only
 * dependencies). Cargo.lock is written by cargo itself; then `pricing` is bumped to 0.2.0 and
 * given a dependency on the new member `currency`, and the lock file is not regenerated: the
 * drift a change that forgot to commit Cargo.lock leaves, which `cargo build --locked` refuses.
 */
function staleWorkspace(): { remote: string; sha: string } {
  const parent = mkdtempSync(path.join(tmpdir(), "sentinel-cargo-lock-"));
  dirs.push(parent);
  const dir = path.join(parent, "shop");
  write(dir, "Cargo.toml", '[workspace]\nmembers = ["app", "pricing", "currency"]\nresolver = "2"\n');
  write(dir, ".gitignore", "target/\n");
  write(
    dir,
    "app/Cargo.toml",
    '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\npricing = { path = "../pricing" }\n',
  );
  write(dir, "app/src/main.rs", 'fn main() {\n    println!("{}", pricing::total(&[1, 2]));\n}\n');
  write(dir, "pricing/Cargo.toml", '[package]\nname = "pricing"\nversion = "0.1.0"\nedition = "2021"\n');
  write(dir, "pricing/src/lib.rs", "pub fn total(items: &[u32]) -> u32 {\n    items.iter().sum()\n}\n");
  write(dir, "currency/Cargo.toml", '[package]\nname = "currency"\nversion = "0.1.0"\nedition = "2021"\n');
  write(dir, "currency/src/lib.rs", 'pub const CODE: &str = "EUR";\n');
  execFileSync("cargo", ["generate-lockfile", "--offline"], { cwd: dir, stdio: "ignore" });
  write(
    dir,
    "pricing/Cargo.toml",
    '[package]\nname = "pricing"\nversion = "0.2.0"\nedition = "2021"\n\n[dependencies]\ncurrency = { path = "../currency" }\n',
  );
  return remoteOf(dir);
}

describe.skipIf(!hasCargoFmt)("the cargo-update recipe, on a real workspace whose Cargo.lock is stale", () => {
  it("is chosen for `--locked` refusing the lock file, updates it offline, changes only Cargo.lock, and the build passes", async () => {
    const project = staleWorkspace();
    const run = await runRecipe(project, ["cargo", "build", "--locked", "--offline"], dirs);
    expect(run.diagnosis).toMatchObject({ category: "dependency", tool: "cargo" });
    expect(run.outcome).toMatchObject({ status: "proposed", agentId: "cargo-update" });
    expect(run.steps).toEqual([["update", 0]]);
    expect(run.verify).toMatchObject({ exitCode: 0, status: "passed" });
    expect(run.changed).toEqual(["Cargo.lock"]);
    expect(run.show("Cargo.lock")).toContain('name = "pricing"\nversion = "0.2.0"\ndependencies = [\n "currency",\n]');
    const fixed = checkoutFix(run, dirs);
    execFileSync("cargo", ["build", "--locked", "--offline", "-q"], { cwd: fixed, stdio: "ignore" });
    expect(readFileSync(path.join(fixed, "Cargo.lock"), "utf8")).toBe(run.show("Cargo.lock"));
  }, 300_000);
});
