import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectSandbox, runCommand } from "../../src/sandbox/index.js";

/**
 * The environment-beats-config claims of fixer-env.ts, checked against the real pnpm 10, yarn 1
 * and yarn 4 (installed from the npm registry into a temp dir, so these need it). Each attack
 * is first shown to work with a plain environment, then shown not to under the fixer's.
 */
const sandbox = detectSandbox();
const roots: string[] = [];
const tempDir = (prefix: string) => {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  roots.push(d);
  return d;
};
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

async function registryReachable(): Promise<boolean> {
  const registry = spawnSync("npm", ["config", "get", "registry"], { encoding: "utf8" }).stdout.trim();
  try {
    const res = await fetch(registry, { signal: AbortSignal.timeout(10_000) });
    await res.body?.cancel();
    return true;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    if (process.env.CI === "true")
      throw new Error(`the npm registry is required in CI but unreachable: ${why}`, { cause: error });
    console.warn(`\n!!! the npm registry is unreachable (${why}); the pnpm/yarn knob tests are SKIPPED.\n`);
    return false;
  }
}
if (sandbox === "none") console.warn("\n!!! bubblewrap is not available: the pnpm/yarn knob tests are SKIPPED.\n");
const ready = sandbox !== "none" && (await registryReachable());

let tools = "";
const bin = { pnpm: "", yarn1: "", yarn4: "" };
beforeAll(() => {
  if (!ready) return;
  tools = tempDir("sentinel-pm-tools-");
  // yarn 1 and yarn 4 both install a `yarn` bin, so each gets its own prefix.
  for (const [dir, pkgs] of [
    ["a", ["pnpm@10", "@yarnpkg/cli-dist@4"]],
    ["b", ["yarn@1"]],
  ] as const) {
    mkdirSync(path.join(tools, dir));
    writeFileSync(path.join(tools, dir, "package.json"), "{}");
    const r = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", ...pkgs], {
      cwd: path.join(tools, dir),
      encoding: "utf8",
      timeout: 240_000,
    });
    if (r.status !== 0) throw new Error(`installing ${pkgs.join(" ")} failed: ${r.stderr}`);
  }
  bin.pnpm = path.join(tools, "a/node_modules/pnpm/bin/pnpm.cjs");
  bin.yarn4 = path.join(tools, "a/node_modules/@yarnpkg/cli-dist/bin/yarn.js");
  bin.yarn1 = path.join(tools, "b/node_modules/yarn/bin/yarn.js");
}, 300_000);

/** A repository whose every hook leaves a marker file named after itself. */
function repo(files: Record<string, string>): string {
  const dir = tempDir("sentinel-pm-repo-");
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}
const marker = (name: string) =>
  `require("fs").writeFileSync(require("path").join(process.cwd(), ${JSON.stringify(name)}), "ran");`;
const plugin = `${marker("PLUGIN_RAN")} module.exports = { name: "evil", factory: () => ({}) };`;
const scripts = (hook: string) =>
  JSON.stringify({ name: "p", version: "1.0.0", scripts: { [hook]: "echo ran > SCRIPT_RAN" } });

/** Plain: what the tool does with nothing but PATH and a HOME of its own. */
function plain(dir: string, argv: string[], extra: Record<string, string> = {}): void {
  spawnSync("node", argv, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: tempDir("sentinel-pm-home-"), CI: "1", ...extra },
    encoding: "utf8",
    timeout: 120_000,
  });
}
/** As a fixer: the sandbox, its environment, a HOME outside the worktree. */
async function fixer(
  dir: string,
  argv: string[],
  extra: Record<string, string> = {},
  home: string | null = path.join(tempDir("sentinel-pm-home-"), "h"),
) {
  return runCommand({
    command: ["node", ...argv],
    workdir: dir,
    ...(home !== null ? { home } : {}),
    readOnlyPaths: [tools],
    env: extra,
    timeoutMs: 120_000,
    maxOutputBytes: 1 << 20,
    sandbox,
  });
}
const ran = (dir: string, name: string) => existsSync(path.join(dir, name));
const berry = { YARN_ENABLE_IMMUTABLE_INSTALLS: "false" };

describe.skipIf(!ready)("the package managers' code-running knobs, on the real tools", () => {
  it("pnpm 10: neither the default .pnpmfile.cjs nor an .npmrc pnpmfile= runs", async () => {
    const files = {
      "package.json": scripts("preinstall"),
      ".pnpmfile.cjs": marker("PNPMFILE_RAN"),
      "evil.cjs": marker("EVIL_PNPMFILE_RAN"),
      ".npmrc": "pnpmfile=evil.cjs\nignore-scripts=false\n",
    };
    const control = repo(files);
    plain(control, [bin.pnpm, "install", "--offline"]);
    expect([ran(control, "EVIL_PNPMFILE_RAN"), ran(control, "SCRIPT_RAN")]).toEqual([true, true]);
    const dir = repo(files);
    await fixer(dir, [bin.pnpm, "install", "--offline"]);
    expect([ran(dir, "PNPMFILE_RAN"), ran(dir, "EVIL_PNPMFILE_RAN"), ran(dir, "SCRIPT_RAN")]).toEqual([
      false,
      false,
      false,
    ]);
  });

  it("pnpm 10: pnpm-workspace.yaml settings beat the environment, so only --ignore-pnpmfile keeps its pnpmfile out", async () => {
    const files = {
      "package.json": scripts("preinstall"),
      "evil.cjs": marker("EVIL_PNPMFILE_RAN"),
      "pnpm-workspace.yaml": "pnpmfile: evil.cjs\nignorePnpmfile: false\nignoreScripts: false\n",
    };
    const dir = repo(files);
    await fixer(dir, [bin.pnpm, "install", "--offline"]);
    // Measured: the environment loses here. Recipes must pass the flag (docs/sandbox.md).
    expect([ran(dir, "EVIL_PNPMFILE_RAN"), ran(dir, "SCRIPT_RAN")]).toEqual([true, true]);
    const flagged = repo(files);
    await fixer(flagged, [bin.pnpm, "install", "--offline", "--ignore-pnpmfile", "--ignore-scripts"]);
    expect([ran(flagged, "EVIL_PNPMFILE_RAN"), ran(flagged, "SCRIPT_RAN")]).toEqual([false, false]);
  });

  it("yarn 1: neither .yarnrc yarn-path nor a lifecycle script runs", async () => {
    const files = {
      "package.json": scripts("preinstall"),
      "evil.js": marker("YARNPATH_RAN"),
      ".yarnrc": 'yarn-path "./evil.js"\nignore-scripts false\nignore-path false\n',
    };
    const control = repo(files);
    plain(control, [bin.yarn1, "install", "--offline"]);
    expect(ran(control, "YARNPATH_RAN")).toBe(true);
    const scriptsOnly = repo({ "package.json": scripts("preinstall") });
    plain(scriptsOnly, [bin.yarn1, "install", "--offline"], { npm_config_ignore_scripts: "true" });
    // yarn 1 does not read npm's ignore-scripts: hence YARN_IGNORE_SCRIPTS.
    expect(ran(scriptsOnly, "SCRIPT_RAN")).toBe(true);
    const dir = repo(files);
    await fixer(dir, [bin.yarn1, "install", "--offline"]);
    expect([ran(dir, "YARNPATH_RAN"), ran(dir, "SCRIPT_RAN")]).toEqual([false, false]);
  });

  it("yarn 4: the repository's .yarnrc.yml (yarnPath, plugins) is not read", async () => {
    const files = {
      "package.json": JSON.stringify({ name: "p", version: "1.0.0" }),
      "evil.cjs": marker("YARNPATH_RAN"),
      "plugin.cjs": plugin,
      ".yarnrc.yml": "plugins:\n  - ./plugin.cjs\n",
    };
    const control = repo(files);
    plain(control, [bin.yarn4, "install"], berry);
    expect(ran(control, "PLUGIN_RAN")).toBe(true);
    const withPath = repo({ ...files, ".yarnrc.yml": "yarnPath: ./evil.cjs\n" });
    plain(withPath, [bin.yarn4, "install"], berry);
    expect(ran(withPath, "YARNPATH_RAN")).toBe(true);
    const dir = repo({ ...files, ".yarnrc.yml": "yarnPath: ./evil.cjs\nplugins:\n  - ./plugin.cjs\n" });
    const r = await fixer(dir, [bin.yarn4, "install"], berry);
    expect([ran(dir, "YARNPATH_RAN"), ran(dir, "PLUGIN_RAN")]).toEqual([false, false]);
    expect(r.exitCode).toBe(0);
  });

  it("yarn 4: enableScripts=false spares the workspace's own scripts, so only --mode=skip-build keeps them from running", async () => {
    const files = { "package.json": scripts("postinstall") };
    const dir = repo(files);
    await fixer(dir, [bin.yarn4, "install"], berry);
    // Measured, and what yarn documents: workspaces' own postinstall scripts still run.
    expect(ran(dir, "SCRIPT_RAN")).toBe(true);
    const skipped = repo(files);
    await fixer(skipped, [bin.yarn4, "install", "--mode=skip-build"], berry);
    expect(ran(skipped, "SCRIPT_RAN")).toBe(false);
  });

  it("yarn 4 reads $HOME/.yarnrc.yml whatever YARN_RC_FILENAME says: a HOME in the worktree is the repository's", async () => {
    const files = {
      "package.json": JSON.stringify({ name: "p", version: "1.0.0" }),
      "plugin.cjs": plugin,
      ".sentinel-home/.yarnrc.yml": "plugins:\n  - ../plugin.cjs\n",
    };
    const legacy = repo(files);
    await fixer(legacy, [bin.yarn4, "install"], berry, null);
    expect(ran(legacy, "PLUGIN_RAN")).toBe(true);
    const dir = repo(files);
    await fixer(dir, [bin.yarn4, "install"], berry);
    expect(ran(dir, "PLUGIN_RAN")).toBe(false);
  });
});
