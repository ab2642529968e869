import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { localRepo } from "../support/git-repos.js";
import { runCli } from "../support/run-cli.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// A failure no sentinel knows: its diagnosis is `unknown`, so only what it printed can help.
const ODD_FAILURE = "echo 'toolchain 1.99-frobnicated is not installed' >&2; exit 3";

describe("the CLI's local store", () => {
  const saved = { HOME: process.env.HOME, SENTINEL_DATA_DIR: process.env.SENTINEL_DATA_DIR };
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(path.join(tmpdir(), "sentinel-cli-home-"));
    dirs.push(home);
    process.env.HOME = home;
    delete process.env.SENTINEL_DATA_DIR;
  });
  afterEach(() => {
    process.env.HOME = saved.HOME;
    if (saved.SENTINEL_DATA_DIR === undefined) delete process.env.SENTINEL_DATA_DIR;
    else process.env.SENTINEL_DATA_DIR = saved.SENTINEL_DATA_DIR;
  });

  function oddRepo(): string {
    const { dir } = localRepo({ "README.md": "a project\n" }, "sentinel-odd-");
    dirs.push(dir);
    return dir;
  }

  it("is ~/.sentinel/pglite for fix, audit replay and tiers alike when no --data-dir is given", async () => {
    const fix = await runCli(["fix", "--repo", oddRepo(), "--command", ODD_FAILURE, "--format", "json"]);
    const { runId } = JSON.parse(fix.stdout) as { runId: string };
    expect(existsSync(path.join(home, ".sentinel", "pglite"))).toBe(true);
    const replay = await runCli(["audit", "replay", runId]);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain(`run ${runId}, from `);
    expect((await runCli(["tiers"])).code).toBe(0);
  }, 120_000);

  it("shows what the command printed last when fix cannot tell what failed", async () => {
    const fix = await runCli(["fix", "--repo", oddRepo(), "--command", ODD_FAILURE]);
    expect(fix.code).toBe(1);
    expect(fix.stdout).toContain("the command printed last:\n  | toolchain 1.99-frobnicated is not installed");
  }, 120_000);

  it("shows the same lines when the run is replayed from the ledger", async () => {
    const fix = await runCli(["fix", "--repo", oddRepo(), "--command", ODD_FAILURE, "--format", "json"]);
    const { runId } = JSON.parse(fix.stdout) as { runId: string };
    const replay = await runCli(["audit", "replay", runId]);
    expect(replay.stdout).toMatch(/saw +unknown.*\n +\| toolchain 1\.99-frobnicated is not installed\n/);
  }, 120_000);

  it("says replay knows no such run, names the store it read, and exits 1", async () => {
    const r = await runCli(["audit", "replay", "run_nope"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `sentinel audit replay: no run run_nope in the ledger of ${path.join(home, ".sentinel", "pglite")}\n`,
    );
  }, 120_000);
});
