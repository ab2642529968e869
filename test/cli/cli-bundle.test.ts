import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { VERSION } from "../../src/core/index.js";
import { rustCrate } from "../support/git-repos.js";
import { hasCargoFmt } from "../support/toolchains.js";
import { runCli } from "../support/run-cli.js";

// `sentinel` as installed runs the build's bundle (bin/sentinel.js, scripts/write-cli-bundle.mjs):
// the same commands must behave as they do from the modules the rest of the suite runs.
const CLI_BUNDLE_FILE = path.resolve("dist/cli-bundle/main.mjs");
const built = existsSync(CLI_BUNDLE_FILE);
if (!built && process.env.CI === "true")
  throw new Error(`${CLI_BUNDLE_FILE} is missing: \`npm ci\` (its build) writes it, and CI runs after npm ci`);
if (!built) process.stderr.write(`\nSKIPPING the CLI bundle's tests: no ${CLI_BUNDLE_FILE} (run npm run build)\n\n`);

const bin = path.resolve("bin/sentinel.js");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function sentinel(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
}

describe.skipIf(!built)("the installed CLI, from its one-file bundle", () => {
  it("starts from the bundle and prints its version", () => {
    const r = sentinel(["--version"]);
    expect(r.stdout.trim()).toBe(VERSION);
    expect(readFileSync(bin, "utf8")).toContain("cli-bundle/main.mjs");
  });

  it("classifies a log exactly as the modules do", async () => {
    const log = path.resolve("test/fixtures/tools/eslint/stylish.log");
    const r = sentinel(["classify", log, "--format", "json"]);
    const inProcess = await runCli(["classify", log, "--format", "json"]);
    expect(r.status).toBe(inProcess.code);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(inProcess.stdout));
  });

  it.skipIf(!hasCargoFmt)(
    "fixes a repository through its store host, and a second command reads the run from the store it left open",
    () => {
      const root = mkdtempSync(path.join(tmpdir(), "sentinel-cli-bundle-"));
      dirs.push(root);
      const { dir: repo } = rustCrate("bundled");
      dirs.push(repo);
      const data = path.join(root, "data", "pglite");
      const env = { SENTINEL_STORE_LINGER_S: "5" };
      const fix = sentinel(["fix", "--repo", repo, "--data-dir", data, "--format", "json"], env);
      expect(fix.stderr).toBe("");
      const outcome = JSON.parse(fix.stdout) as { status: string; runId: string };
      expect(outcome.status).toBe("proposed");
      expect(existsSync(`${data}.sock`)).toBe(true);
      const replay = sentinel(["audit", "replay", outcome.runId, "--data-dir", data], env);
      expect(replay.status).toBe(0);
      expect(replay.stdout).toContain("verify");
    },
    180_000,
  );
});
