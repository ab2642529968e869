import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { git, rustCrate } from "../support/git-repos.js";
import { hasCargoFmt } from "../support/toolchains.js";
import { runCli } from "../support/run-cli.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe.skipIf(!hasCargoFmt)("sentinel fix", () => {
  it("finds the failure itself when no command is named: the builtin checks that apply to the repository", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "sentinel-cli-fix-discover-"));
    dirs.push(root);
    const { dir: repo } = rustCrate("discover");
    dirs.push(repo);
    const r = await runCli([
      "fix",
      "--repo",
      repo,
      "--data-dir",
      path.join(root, "data", "pglite"),
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: "proposed", agentId: "cargo-fmt" });
  });

  it("asks for --command when no builtin check applies to the repository", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "sentinel-cli-fix-discover-"));
    dirs.push(root);
    const repo = path.join(root, "repo");
    mkdirSync(repo, { recursive: true });
    git(repo, "init", "-q", "-b", "main");
    writeFileSync(path.join(repo, "README.md"), "just words\n");
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "initial");
    const r = await runCli(["fix", "--repo", repo, "--data-dir", path.join(root, "data", "pglite")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("name the failing command with --command");
  });

  it("exits 2 for a folder that is not a repository", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "sentinel-cli-fix-"));
    dirs.push(root);
    const r = await runCli(["fix", "--repo", root, "--command", "true", "--data-dir", path.join(root, "data")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is not a git repository");
  });
  it.skipIf(!hasCargoFmt)("prints the run's outcome as JSON with --format json", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "sentinel-cli-fix-json-"));
    dirs.push(root);
    const { dir: repo } = rustCrate("clijson");
    dirs.push(repo);
    const r = await runCli([
      "fix",
      "--repo",
      repo,
      "--command",
      "cargo fmt --all --check",
      "--data-dir",
      path.join(root, "data", "pglite"),
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({
      schemaVersion: 1,
      status: "proposed",
      agentId: "cargo-fmt",
      branch: expect.stringMatching(/^sentinel\/fix-/),
      pullRequest: { number: 1, state: "open" },
    });
    expect(Object.keys(out.phaseMs as object)).toEqual(
      expect.arrayContaining(["PREFLIGHT", "EXECUTE", "VERIFY", "PACKAGE"]),
    );
  });
});
