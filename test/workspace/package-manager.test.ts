import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeInstall, detectPackageManager, installCommand } from "../../src/workspace/index.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function repo(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "sentinel-pm-"));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

const manifest = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name: "demo", version: "1.0.0", devDependencies: { eslint: "9.39.5" }, ...extra });
const argv = (dir: string, mode: "offline" | "online", cache: string | null = "/cache") =>
  installCommand(detectPackageManager(dir)!, mode, cache).argv;

describe("detectPackageManager", () => {
  it("finds nothing to install without a package.json", () => {
    expect(detectPackageManager(repo({ "go.mod": "module x\n" }))).toBeNull();
  });

  it("installs a package-lock.json project with npm ci, scripts off, offline from the cache", () => {
    const dir = repo({ "package.json": manifest(), "package-lock.json": "{}" });
    expect(detectPackageManager(dir)).toMatchObject({ name: "npm", lockfile: "package-lock.json" });
    expect(argv(dir, "offline")).toEqual(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--offline"]);
  });

  it("goes to the registry online only for what the cache lacks, and retries a registry hiccup", () => {
    const dir = repo({ "package.json": manifest(), "npm-shrinkwrap.json": "{}" });
    expect(argv(dir, "online")).toEqual([
      "npm",
      "ci",
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      "--fetch-retries=2",
    ]);
  });

  it("installs a project without a lockfile from package.json, writing no lockfile into the worktree", () => {
    const dir = repo({ "package.json": manifest() });
    expect(detectPackageManager(dir)).toMatchObject({ name: "npm", lockfile: null });
    expect(argv(dir, "offline").slice(0, 3)).toEqual(["npm", "install", "--no-package-lock"]);
  });

  it("runs pnpm at the release package.json's packageManager names, with its store in the repository's cache", () => {
    const dir = repo({
      "package.json": manifest({
        packageManager: "pnpm@9.12.3+sha512.cce0f9de9c5a7c95bef944169cc5dfe8741abfb145078c0d508b868056848a87",
      }),
      "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
    });
    expect(detectPackageManager(dir)).toMatchObject({ name: "pnpm", version: "9.12.3" });
    expect(argv(dir, "offline")).toEqual([
      "npm",
      "exec",
      "--yes",
      "--offline",
      "--package=pnpm@9.12.3",
      "--",
      "pnpm",
      "install",
      "--frozen-lockfile",
      "--ignore-scripts",
      "--ignore-pnpmfile",
      "--reporter=append-only",
      "--store-dir=/cache/pnpm-store",
      "--offline",
    ]);
  });

  it("runs the pnpm major that writes the lockfile's format when package.json names none", () => {
    expect(
      detectPackageManager(repo({ "package.json": manifest(), "pnpm-lock.yaml": "lockfileVersion: '6.0'\n" })),
    ).toMatchObject({ name: "pnpm", version: "8" });
  });

  it("runs yarn 1 with a frozen lockfile for a yarn.lock without __metadata", () => {
    const dir = repo({ "package.json": manifest(), "yarn.lock": "# yarn lockfile v1\n" });
    expect(detectPackageManager(dir)).toMatchObject({ name: "yarn-classic", version: "1" });
    expect(describeInstall(argv(dir, "online"))).toBe(
      "yarn install --frozen-lockfile --ignore-scripts --non-interactive --prefer-offline",
    );
  });

  it("runs yarn 2+ with --immutable and no build scripts, keeping the repository's nodeLinker", () => {
    const dir = repo({
      "package.json": manifest(),
      "yarn.lock": "__metadata:\n  version: 8\n",
      ".yarnrc.yml": "nodeLinker: node-modules\nyarnPath: .yarn/releases/evil.cjs\n",
    });
    expect(detectPackageManager(dir)).toMatchObject({ name: "yarn-berry", version: "4", nodeLinker: "node-modules" });
    const install = installCommand(detectPackageManager(dir)!, "offline", "/cache");
    expect(describeInstall(install.argv)).toBe("yarn install --immutable --mode=skip-build");
    expect(install.env).toEqual({ YARN_ENABLE_OFFLINE_MODE: "1", YARN_NODE_LINKER: "node-modules" });
  });

  it("installs a bun.lock project with bun, scripts off", () => {
    const dir = repo({ "package.json": manifest(), "bun.lock": "{}" });
    expect(argv(dir, "online")).toEqual(["bun", "install", "--frozen-lockfile", "--ignore-scripts"]);
  });

  it("ignores a packageManager version that is not a version", () => {
    const dir = repo({
      "package.json": manifest({ packageManager: "pnpm@$(touch /tmp/x)" }),
      "package-lock.json": "{}",
    });
    expect(detectPackageManager(dir)).toMatchObject({ name: "npm" });
  });

  it("does not follow a package.json symlinked out of the worktree", () => {
    const outside = repo({ "package.json": manifest() });
    const dir = repo({});
    symlinkSync(path.join(outside, "package.json"), path.join(dir, "package.json"));
    expect(detectPackageManager(dir)).toBeNull();
  });

  it("knows the bins package-lock.json says the dependencies provide, under their own names", () => {
    // A real lockfile: npm resolves a local package whose bin is not named after it.
    const pkg = repo({
      "package.json": JSON.stringify({ name: "fmt-tool", version: "1.0.0", bin: { "fmt-check": "cli.js" } }),
      "cli.js": "#!/usr/bin/env node\n",
    });
    const tgz = execFileSync("npm", ["pack", pkg, "--pack-destination", pkg, "--silent"], { encoding: "utf8" }).trim();
    const dir = repo({
      "package.json": JSON.stringify({
        name: "demo",
        version: "1.0.0",
        devDependencies: { "fmt-tool": `file:${path.join(pkg, tgz)}` },
      }),
    });
    execFileSync("npm", ["install", "--package-lock-only", "--ignore-scripts", "--silent"], { cwd: dir });
    expect([...detectPackageManager(dir)!.bins].sort()).toEqual(["fmt-check", "fmt-tool"]);
  });
});
