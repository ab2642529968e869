import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { git, localRepo } from "../support/git-repos.js";
import { hasCargoFmt } from "../support/toolchains.js";
import { runCli } from "../support/run-cli.js";

const dirs: string[] = [];
// `sentinel fix` starts fetching the commit into its mirror while it loads, and a run that stops
// at the config does not wait for that git process: it may still be writing objects here when the
// last test ends (ENOTEMPTY on a CI run). rmSync retries those.
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 })));

/** A crate whose formatting check fails, with `.github/sentinel.yml` (and more files) committed. */
function crateWithConfig(config: string, more: Record<string, string> = {}): string {
  const { dir } = localRepo(
    {
      "Cargo.toml": '[package]\nname = "cfgdemo"\nversion = "0.1.0"\nedition = "2021"\n',
      "src/main.rs": 'fn main(){println!("hi");}\n',
      ".gitignore": "target/\n",
      ".github/sentinel.yml": config,
      ...more,
    },
    "sentinel-cli-config-",
  );
  dirs.push(dir);
  return dir;
}

// One store for every run, as a user's ~/.sentinel is: each repository's rows are its own.
const root = mkdtempSync(path.join(tmpdir(), "sentinel-cli-config-data-"));
dirs.push(root);
const dataDir = path.join(root, "pglite");

async function fix(repo: string, ...extra: string[]) {
  const r = await runCli([
    "fix",
    "--repo",
    repo,
    "--command",
    "cargo fmt --all --check",
    "--data-dir",
    dataDir,
    "--format",
    "json",
    ...extra,
  ]);
  return { ...r, dataDir, outcome: r.stdout ? (JSON.parse(r.stdout) as Record<string, unknown>) : null };
}

describe.skipIf(!hasCargoFmt)("sentinel fix honours the repository's own config", () => {
  it("does not use a builtin recipe the config disables (fix.disable)", async () => {
    const repo = crateWithConfig("fix:\n  disable: [cargo-fmt]\n");
    const r = await fix(repo);
    expect(r.code).toBe(1);
    expect(r.outcome).toMatchObject({ status: "no-agent" });
  });

  it("uses the repository's own recipe (fix.recipes) and names it as the agent", async () => {
    const repo = crateWithConfig("fix:\n  recipes: [.sentinel/fmt.yml]\n  disable: [cargo-fmt]\n", {
      ".sentinel/fmt.yml": [
        "id: house-fmt",
        "name: house rustfmt",
        "handles: { categories: [format], tools: [cargo, rustfmt] }",
        "confidence: 0.95",
        "steps:",
        "  - { id: format, run: cargo fmt --all }",
        "",
      ].join("\n"),
    });
    const r = await fix(repo);
    expect(r.code).toBe(0);
    expect(r.outcome).toMatchObject({ status: "proposed", agentId: "house-fmt" });
  });

  it("refuses a category the config never lets anyone fix (fix.categories), naming the rule", async () => {
    const repo = crateWithConfig("fix:\n  categories:\n    format: []\n");
    const r = await fix(repo);
    expect(r.code).toBe(1);
    expect(r.outcome).toMatchObject({ status: "policy", rule: "fix.categories.format" });
    expect(git(repo, "branch", "--list", "sentinel/*")).toBe("");
  });

  it("refuses a diagnosis below the policy's minimum confidence (policy.minConfidence)", async () => {
    const repo = crateWithConfig("policy:\n  minConfidence: 0.99\n");
    const r = await fix(repo);
    expect(r.code).toBe(1);
    expect(r.outcome).toMatchObject({ status: "policy", rule: "policy.minConfidence" });
  });

  it("only shadows with an agent that starts at T0 (policy.tiers.start), and counts the verified run towards promotion", async () => {
    const repo = crateWithConfig("policy:\n  tiers: { start: T0 }\n");
    const r = await fix(repo);
    expect(r.outcome).toMatchObject({ status: "shadow", agentId: "cargo-fmt" });
    expect(git(repo, "branch", "--list", "sentinel/*")).toBe("");
    const tiers = await runCli(["tiers", "--data-dir", r.dataDir, "--forge", "local"]);
    expect(tiers.stdout).toMatch(new RegExp(`local:${repo.replaceAll("/", "\\/")}\\s+cargo-fmt\\s+T0 observe\\s+1`));
  });

  it("lists the agent of a local run in `sentinel tiers`, at the policy's start tier", async () => {
    const repo = crateWithConfig("mode: propose\n");
    const r = await fix(repo);
    expect(r.outcome).toMatchObject({ status: "proposed", agentId: "cargo-fmt" });
    const tiers = await runCli(["tiers", "--data-dir", r.dataDir, "--format", "json"]);
    const listed = (JSON.parse(tiers.stdout) as { tiers: Array<{ repo: string }> }).tiers.filter(
      (t) => t.repo === repo,
    );
    expect(listed).toEqual([expect.objectContaining({ forge: "local", repo, agentId: "cargo-fmt", tier: 1 })]);
  });

  it("stops with exit 2 and the config's problems when the config is broken, running nothing", async () => {
    const repo = crateWithConfig("fix:\n  disable: 3\n");
    const r = await fix(repo);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(".github/sentinel.yml");
    expect(r.stderr).toContain("disable");
    expect(r.stderr).toContain("config has errors");
    expect(r.stdout).toBe("");
  });
});
