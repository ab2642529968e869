import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentsFrom, parseRecipe } from "../../src/agents/index.js";
import { LocalForge } from "../../src/forge/index.js";
import { runFix, type FixDeps } from "../../src/pipeline/index.js";
import { openDatabase, RunStore, type Database } from "../../src/store/index.js";
import { git } from "../support/git-repos.js";
import { pipelineDeps } from "../support/pipeline-deps.js";
import { hasCargoFmt } from "../support/toolchains.js";

const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(path.join(tmpdir(), "sentinel-fix-paths-"));
  dirs.push(d);
  return d;
};

/** A crate whose formatting check fails, with no .gitignore: whatever a command writes shows in `git status`. */
function crate(): { dir: string; sha: string } {
  const dir = scratch();
  git(dir, "init", "-q", "-b", "main");
  writeFileSync(path.join(dir, "Cargo.toml"), '[package]\nname = "paths"\nversion = "0.1.0"\nedition = "2021"\n');
  execFileSync("mkdir", ["-p", path.join(dir, "src")]);
  writeFileSync(path.join(dir, "src/main.rs"), 'fn main(){println!("hi");}\n');
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "initial");
  return { dir, sha: git(dir, "rev-parse", "HEAD") };
}

/** A cargo-fmt stand-in whose steps and verify command are shell scripts. */
function recipe(steps: string, verify: string) {
  const { recipe: r } = parseRecipe(
    [
      "id: fmt-and-friends",
      "name: fmt and friends",
      "handles: { categories: [format], tools: [cargo] }",
      "confidence: 0.99",
      "steps:",
      `  - { id: fix, run: ${JSON.stringify(["sh", "-c", steps])} }`,
      `verify: { run: ${JSON.stringify(["sh", "-c", verify])} }`,
      "",
    ].join("\n"),
    "fmt-and-friends.yml",
  );
  return agentsFrom([], [r!], []);
}

describe.skipIf(!hasCargoFmt)("a fix is only what the fixer changed", () => {
  let db: Database;
  let runs: RunStore;
  let base: Omit<FixDeps, "forge">;
  beforeAll(async () => {
    db = await openDatabase({});
    runs = new RunStore(db);
    base = await pipelineDeps(runs, dirs);
  });
  afterAll(async () => {
    await db.close();
    dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  });

  it("commits the fixer's change but not what the failing command and VERIFY left in the worktree", async () => {
    const { dir, sha } = crate();
    const out = await runFix(
      {
        ...base,
        forge: new LocalForge(runs, dir),
        agents: recipe("cargo fmt --all", "echo built > verify-output.bin && cargo fmt --all --check"),
      },
      {
        forge: "local",
        repo: dir,
        sha,
        baseBranch: "main",
        // A failing check that, like `go build` or a coverage run, leaves a file behind.
        failingCommand: ["sh", "-c", "echo report > check-report.txt; cargo fmt --all --check"],
      },
    );
    expect(out).toMatchObject({ status: "proposed" });
    const files = git(dir, "show", "--name-only", "--format=", out.branch as string).split("\n");
    expect(files).toEqual(["src/main.rs"]);
    expect(out.diff?.files).toEqual(["src/main.rs"]);
  });

  it("commits a new file the fixer created", async () => {
    const { dir, sha } = crate();
    const out = await runFix(
      {
        ...base,
        forge: new LocalForge(runs, dir),
        agents: recipe("cargo fmt --all && echo 'max_width = 100' > rustfmt.toml", "cargo fmt --all --check"),
      },
      { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: ["cargo", "fmt", "--all", "--check"] },
    );
    expect(out).toMatchObject({ status: "proposed" });
    const files = git(dir, "show", "--name-only", "--format=", out.branch as string).split("\n");
    expect(files.sort()).toEqual(["rustfmt.toml", "src/main.rs"]);
  });

  it("proposes nothing when the verify command rewrites the fix it is verifying", async () => {
    const { dir, sha } = crate();
    const out = await runFix(
      {
        ...base,
        forge: new LocalForge(runs, dir),
        agents: recipe("cargo fmt --all", "cargo fmt --all --check && echo '// verified' >> src/main.rs"),
      },
      { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: ["cargo", "fmt", "--all", "--check"] },
    );
    expect(out.status).toBe("verify-failed");
    expect(out.reason).toContain("changed the fix it was verifying (src/main.rs)");
    expect(git(dir, "branch", "--list", "sentinel/*")).toBe("");
  });
});
