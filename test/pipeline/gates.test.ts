import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runFix, type FixDeps, type GateInput, type GateResult } from "../../src/pipeline/index.js";
import { LocalForge } from "../../src/forge/index.js";
import { openDatabase, RunStore, type Database } from "../../src/store/index.js";
import { git } from "../support/git-repos.js";
import { pipelineDeps } from "../support/pipeline-deps.js";
import { hasCargoFmt } from "../support/toolchains.js";

const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(path.join(tmpdir(), "sentinel-gates-"));
  dirs.push(d);
  return d;
};
const FMT = ["cargo", "fmt", "--all", "--check"];

/** A badly formatted crate on main, with a `feature` branch (a pull request's head) at the same commit. */
function crate(): { dir: string; sha: string } {
  const dir = scratch();
  git(dir, "init", "-q", "-b", "main");
  writeFileSync(path.join(dir, "Cargo.toml"), '[package]\nname = "demo"\nversion = "0.1.0"\nedition = "2021"\n');
  execFileSync("mkdir", ["-p", path.join(dir, "src")]);
  writeFileSync(path.join(dir, "src/main.rs"), 'fn main(){let x=1;println!("{}",x);}\n');
  writeFileSync(path.join(dir, ".gitignore"), "target/\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "initial");
  git(dir, "branch", "feature");
  return { dir, sha: git(dir, "rev-parse", "HEAD") };
}

/** Someone else's commit on `branch`, made without touching the checkout. */
function humanCommit(dir: string, branch: string): string {
  const parent = git(dir, "rev-parse", branch);
  const commit = git(dir, "commit-tree", `${parent}^{tree}`, "-p", parent, "-m", "a human was here");
  git(dir, "update-ref", `refs/heads/${branch}`, commit);
  return commit;
}

describe.skipIf(!hasCargoFmt)("the pipeline's policy gates", () => {
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

  const gateSaying =
    (result: GateResult, seen: GateInput[] = []) =>
    async (input: GateInput) => {
      seen.push(input);
      return result;
    };

  it("stops at PREFLIGHT with the rule that denied the fix, before any fixer runs", async () => {
    const { dir, sha } = crate();
    const out = await runFix(
      {
        ...base,
        forge: new LocalForge(runs, dir),
        gate: gateSaying({ verdict: "deny", rule: "policy.freeze[0]", message: "change freeze" }),
      },
      { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: FMT },
    );
    expect(out).toMatchObject({ status: "policy", rule: "policy.freeze[0]", reason: "change freeze" });
    const kinds = (await runs.ledger(out.runId)).map((e) => e.kind);
    expect(kinds).toContain("policy.decision");
    expect(kinds.filter((k) => k === "command")).toHaveLength(0);
    expect(git(dir, "branch", "--list", "sentinel/*")).toBe("");
  });

  it("runs shadow mode through VERIFY and writes nothing, recording the change it would make", async () => {
    const { dir, sha } = crate();
    const out = await runFix(
      { ...base, forge: new LocalForge(runs, dir), gate: gateSaying({ verdict: "allow", action: "shadow" }) },
      { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: FMT },
    );
    expect(out).toMatchObject({ status: "shadow", action: "shadow", diff: { files: ["src/main.rs"] } });
    expect(out.reason).toMatch(/would change 1 file .* verified by `cargo fmt --all --check`; nothing was written/);
    expect(git(dir, "branch", "--list", "sentinel/*")).toBe("");
    expect((await runs.ledger(out.runId)).map((e) => e.kind)).toEqual(expect.arrayContaining(["verify", "shadow"]));
  });

  it("asks the gate again before writing, with the diff's files", async () => {
    const { dir, sha } = crate();
    const seen: GateInput[] = [];
    await runFix(
      { ...base, forge: new LocalForge(runs, dir), gate: gateSaying({ verdict: "allow", action: "propose" }, seen) },
      { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: FMT },
    );
    expect(seen.map((s) => [s.stage, s.paths])).toEqual([
      ["preflight", ["src/main.rs"]],
      ["package", ["src/main.rs"]],
    ]);
  });

  it("parks a run that needs approval in PREFLIGHT, and an approved run resumes under the same id", async () => {
    const { dir, sha } = crate();
    const waits = await runFix(
      {
        ...base,
        forge: new LocalForge(runs, dir),
        gate: gateSaying({ verdict: "wait", rule: "policy.approval.require[0]", message: "needs approval" }),
      },
      { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: FMT },
    );
    expect(waits).toMatchObject({ status: "waiting-approval", rule: "policy.approval.require[0]" });
    expect(await runs.getRun(waits.runId)).toMatchObject({ status: "waiting", phase: "PREFLIGHT" });
    // Not approved yet: resuming does nothing.
    const early = await runFix(
      { ...base, forge: new LocalForge(runs, dir) },
      { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: FMT, resumeRunId: waits.runId },
    );
    expect(early.status).toBe("nothing-to-fix");
    expect(await runs.setRunStatus(waits.runId, "approved", ["waiting"])).toBe(true);
    const seen: GateInput[] = [];
    const resumed = await runFix(
      { ...base, forge: new LocalForge(runs, dir), gate: gateSaying({ verdict: "allow", action: "propose" }, seen) },
      { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: FMT, resumeRunId: waits.runId },
    );
    expect(resumed).toMatchObject({ runId: waits.runId, status: "proposed" });
    expect(seen.every((s) => s.approved)).toBe(true);
    expect((await runs.ledger(waits.runId)).map((e) => e.kind)).toEqual(
      expect.arrayContaining(["run.waiting", "run.resumed", "pushed"]),
    );
  });

  it("pushes a verified fix onto the pull request's own branch as a fast-forward in push mode", async () => {
    const { dir, sha } = crate();
    const out = await runFix(
      { ...base, forge: new LocalForge(runs, dir), gate: gateSaying({ verdict: "allow", action: "push" }) },
      { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: FMT, pushBranch: "feature", prNumber: 5 },
    );
    expect(out).toMatchObject({ status: "pushed", branch: "feature" });
    expect(git(dir, "rev-parse", "feature^")).toBe(sha);
    expect(git(dir, "show", "feature:src/main.rs")).toContain("    let x = 1;");
    expect(git(dir, "branch", "--list", "sentinel/*")).toBe("");
    expect(await runs.findPullRequest("local", dir, "feature")).toMatchObject({
      kind: "push",
      number: 5,
      agentId: "cargo-fmt",
    });
  });

  it("does not push onto a pull request branch that moved on since the failing commit", async () => {
    const { dir, sha } = crate();
    const theirs = humanCommit(dir, "feature");
    const out = await runFix(
      { ...base, forge: new LocalForge(runs, dir), gate: gateSaying({ verdict: "allow", action: "push" }) },
      { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: FMT, pushBranch: "feature", prNumber: 6 },
    );
    expect(out).toMatchObject({ status: "policy", rule: "policy.loop" });
    expect(git(dir, "rev-parse", "feature")).toBe(theirs);
  });

  it("leaves its fix branch alone once a human pushed to it", async () => {
    const { dir, sha } = crate();
    const first = await runFix(
      { ...base, forge: new LocalForge(runs, dir) },
      { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: FMT },
    );
    expect(first.status).toBe("proposed");
    const theirs = humanCommit(dir, first.branch as string);
    const again = await runFix(
      { ...base, forge: new LocalForge(runs, dir) },
      { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: FMT },
    );
    expect(again).toMatchObject({
      status: "policy",
      rule: "policy.loop",
      reason: expect.stringContaining("leaves that branch alone"),
    });
    expect(git(dir, "rev-parse", first.branch as string)).toBe(theirs);
  });

  it("refuses a pull request branch name that git could read as an option", async () => {
    const { dir, sha } = crate();
    await expect(
      runFix(
        { ...base, forge: new LocalForge(runs, dir), gate: gateSaying({ verdict: "allow", action: "push" }) },
        {
          forge: "local",
          repo: dir,
          sha,
          baseBranch: "main",
          failingCommand: FMT,
          pushBranch: "--upload-pack=touch /tmp/pwned",
          prNumber: 7,
        },
      ),
    ).rejects.toThrow("not a plain branch name");
    expect(git(dir, "rev-parse", "feature")).toBe(sha);
  });
});
