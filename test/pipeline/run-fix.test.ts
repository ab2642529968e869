import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentsFrom, parseRecipe } from "../../src/agents/index.js";
import { localFixDeps, runFix, type FixDeps } from "../../src/pipeline/index.js";
import { LocalForge, type FixForge } from "../../src/forge/index.js";
import { detectSandbox, detectToolchains } from "../../src/sandbox/index.js";
import { loadBuiltinRules } from "../../src/sentinel/index.js";
import { openDatabase, RunStore, type Database } from "../../src/store/index.js";
import { MirrorCache } from "../../src/workspace/index.js";
import { git } from "../support/git-repos.js";
import { pipelineDeps } from "../support/pipeline-deps.js";
import { freshPostgres, postgresAvailable } from "../support/services.js";
import { hasCargoFmt } from "../support/toolchains.js";
import { startGitHttpServer } from "../../scripts/git-http-server.mjs";

const dirs: string[] = [];
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers) await close();
});
const scratch = () => {
  const d = mkdtempSync(path.join(tmpdir(), "sentinel-fix-"));
  dirs.push(d);
  return d;
};

/** A real Rust project in a git repository with a badly formatted file, committed on main. */
function rustRepo(source = 'fn main(){let x=1;println!("{}",x);}\n'): { dir: string; sha: string } {
  const dir = scratch();
  git(dir, "init", "-q", "-b", "main");
  writeFileSync(path.join(dir, "Cargo.toml"), '[package]\nname = "demo"\nversion = "0.1.0"\nedition = "2021"\n');
  execFileSync("mkdir", ["-p", path.join(dir, "src")]);
  writeFileSync(path.join(dir, "src/main.rs"), source);
  writeFileSync(path.join(dir, ".gitignore"), "target/\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "initial");
  return { dir, sha: git(dir, "rev-parse", "HEAD") };
}

describe.skipIf(!hasCargoFmt)("the governed fix pipeline on a real Rust repository, through the local forge", () => {
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

  it("diagnoses, fixes with cargo fmt, verifies, pushes a sentinel/ branch and records one pull request", async () => {
    const { dir, sha } = rustRepo();
    const out = await runFix(
      { ...base, forge: new LocalForge(runs, dir) },
      { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: ["cargo", "fmt", "--all", "--check"] },
    );
    expect(out).toMatchObject({ status: "proposed", agentId: "cargo-fmt", pullRequest: { number: 1, created: true } });
    const branch = out.branch as string;
    expect(branch).toMatch(/^sentinel\/fix-[0-9a-f]{20}$/);
    expect(git(dir, "show", `${branch}:src/main.rs`)).toContain("    let x = 1;");
    expect(git(dir, "log", "-1", "--format=%B", branch)).toContain(`Sentinel-Run: ${out.runId}`);
    // The user's own checkout is untouched.
    expect(readFileSync(path.join(dir, "src/main.rs"), "utf8")).toContain("fn main(){");
    const ledger = (await runs.ledger(out.runId)).map((e) => e.kind);
    const fmtStep = (await runs.ledger(out.runId)).find((e) => e.kind === "command" && e.data.step === "format");
    expect(fmtStep?.data).toMatchObject({
      exitCode: 0,
      sandboxed: detectSandbox() === "bubblewrap",
      // A step that exited 0 is done: its output is not read by the sentinels.
      diagnosis: null,
    });
    expect(ledger).toEqual(
      expect.arrayContaining([
        "phase.PREFLIGHT",
        "phase.PLAN",
        "phase.EXECUTE",
        "phase.VERIFY",
        "phase.PACKAGE",
        "phase.REPORT",
        "verify",
        "pushed",
        "pull-request",
        "run.finished",
      ]),
    );
    expect(await runs.getRun(out.runId)).toMatchObject({ status: "succeeded", phase: "EXIT", agent_id: "cargo-fmt" });
  });

  it("opens one pull request for the same failure fixed twice", async () => {
    const { dir, sha } = rustRepo();
    const deps = { ...base, forge: new LocalForge(runs, dir) };
    const req = {
      forge: "local" as const,
      repo: dir,
      sha,
      baseBranch: "main",
      failingCommand: ["cargo", "fmt", "--all", "--check"],
    };
    const first = await runFix(deps, req);
    const second = await runFix(deps, req);
    expect([first.pullRequest?.created, second.pullRequest?.created]).toEqual([true, false]);
    expect(await runs.listPullRequests("local", dir)).toHaveLength(1);
  });

  it("leaves nothing behind once it is done: no run folder, and no worktree registered in the mirror", async () => {
    const { dir, sha } = rustRepo();
    const out = await runFix(
      { ...base, forge: new LocalForge(runs, dir) },
      { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: ["cargo", "fmt", "--all", "--check"] },
    );
    expect(out.status).toBe("proposed");
    expect(readdirSync(base.workRoot).filter((d) => d.startsWith(out.runId))).toEqual([]);
    // Every mirror (this run's, and the earlier tests' in this folder) lists itself and no worktree.
    for (const name of readdirSync(base.mirrors.root)) {
      const mirror = path.join(base.mirrors.root, name);
      const listed = execFileSync("git", ["worktree", "list", "--porcelain"], { cwd: mirror, encoding: "utf8" });
      expect(listed.match(/^worktree /gm)).toHaveLength(1);
      expect(existsSync(path.join(mirror, "worktrees")) ? readdirSync(path.join(mirror, "worktrees")) : []).toEqual([]);
    }
  });

  it("opens nothing when VERIFY still fails", async () => {
    const { dir, sha } = rustRepo();
    // A recipe that "fixes" by doing nothing useful: verify keeps failing.
    const noop = parseRecipe(
      "id: cargo-fmt\nname: no-op fmt\nhandles: { categories: [format], tools: [cargo] }\nconfidence: 0.99\nsteps:\n  - { id: nothing, run: 'true' }\n",
      "noop.yml",
    ).recipe;
    const deps = { ...base, forge: new LocalForge(runs, dir), agents: agentsFrom([], [noop!]) };
    const out = await runFix(deps, {
      forge: "local",
      repo: dir,
      sha,
      baseBranch: "main",
      failingCommand: ["cargo", "fmt", "--all", "--check"],
    });
    expect(out.status).toBe("verify-failed");
    expect(git(dir, "branch", "--list", "sentinel/*")).toBe("");
    expect(await runs.listPullRequests("local", dir)).toHaveLength(0);
  });

  it("opens nothing when the diff is over the blast radius", async () => {
    const { dir, sha } = rustRepo();
    const deps = {
      ...base,
      forge: new LocalForge(runs, dir),
      blastRadius: { maxFiles: 20, maxLines: 2, forbiddenPaths: [] },
    };
    const out = await runFix(deps, {
      forge: "local",
      repo: dir,
      sha,
      baseBranch: "main",
      failingCommand: ["cargo", "fmt", "--all", "--check"],
    });
    expect(out).toMatchObject({ status: "blast-radius", reason: expect.stringContaining("limit is 2") });
    expect(git(dir, "branch", "--list", "sentinel/*")).toBe("");
  });

  it("says there is nothing to fix when the command passes", async () => {
    const { dir, sha } = rustRepo('fn main() {\n    println!("ok");\n}\n');
    const out = await runFix(
      { ...base, forge: new LocalForge(runs, dir) },
      { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: ["cargo", "fmt", "--all", "--check"] },
    );
    expect(out.status).toBe("nothing-to-fix");
  });

  it("only diagnoses a pull request from a fork", async () => {
    const { dir, sha } = rustRepo();
    const out = await runFix(
      { ...base, forge: new LocalForge(runs, dir) },
      {
        forge: "local",
        repo: dir,
        sha,
        baseBranch: "main",
        failingCommand: ["cargo", "fmt", "--all", "--check"],
        fromFork: true,
      },
    );
    expect(out.status).toBe("diagnose-only");
  });

  it("stops a fixer that plants a hook in the mirror (no sandbox): a procedure violation, the agent revoked, nothing pushed, the hook never run", async () => {
    const { dir, sha } = rustRepo();
    const marker = path.join(scratch(), "hook-ran");
    // It really formats the code, and on the side plants a post-commit hook where git would find it.
    const script = `d=$(git rev-parse --git-common-dir) && printf '#!/bin/sh\\ntouch ${marker}\\n' > "$d/hooks/post-commit" && chmod +x "$d/hooks/post-commit"; cargo fmt --all`;
    const sneaky = parseRecipe(
      `id: sneaky-fmt\nname: Sneaky fmt\nhandles: { categories: [format], tools: [cargo] }\nconfidence: 0.99\nsteps:\n  - id: fmt\n    run: ${JSON.stringify(["sh", "-c", script])}\n`,
      "sneaky.yml",
    ).recipe;
    const deps = {
      ...base,
      sandbox: "none" as const,
      forge: new LocalForge(runs, dir),
      agents: agentsFrom([], [sneaky!]),
    };
    const out = await runFix(deps, {
      forge: "local",
      repo: dir,
      sha,
      baseBranch: "main",
      failingCommand: ["cargo", "fmt", "--all", "--check"],
    });
    expect(out).toMatchObject({
      status: "escalated",
      revoked: true,
      reason: expect.stringContaining("procedure violation"),
    });
    expect((await runs.ledger(out.runId)).find((e) => e.kind === "violation")?.data).toEqual({
      what: "git control files changed",
    });
    expect(git(dir, "branch", "--list", "sentinel/*")).toBe("");
    expect(existsSync(marker)).toBe(false);
    expect(await runs.revokedAgents("local", dir)).toEqual(["sneaky-fmt"]);
  });

  it("escalates and revokes an agent that blows its error budget, with a handoff", async () => {
    const { dir, sha } = rustRepo();
    const failing = parseRecipe(
      "id: flaky-fixer\nname: Flaky fixer\nhandles: { categories: [format] }\nconfidence: 0.99\nsteps:\n  - { id: boom, run: 'false', onError: retry, retries: 5 }\n",
      "f.yml",
    ).recipe;
    const deps = { ...base, forge: new LocalForge(runs, dir), agents: agentsFrom([], [failing!]) };
    const out = await runFix(deps, {
      forge: "local",
      repo: dir,
      sha,
      baseBranch: "main",
      failingCommand: ["cargo", "fmt", "--all", "--check"],
    });
    expect(out).toMatchObject({ status: "escalated", reason: expect.stringContaining("error budget") });
    expect(await runs.revokedAgents("local", dir)).toEqual(["flaky-fixer"]);
    expect((await runs.getRun(out.runId))?.handoff).toMatchObject({
      blockingIssue: expect.any(String),
      requiredNextActions: expect.any(Array),
      whatWasTried: expect.any(Array),
    });
    // Revoked: the next run has no agent.
    expect(
      (
        await runFix(deps, {
          forge: "local",
          repo: dir,
          sha,
          baseBranch: "main",
          failingCommand: ["cargo", "fmt", "--all", "--check"],
        })
      ).status,
    ).toBe("no-agent");
  });
});

describe.skipIf(!hasCargoFmt)("a fixer's view of the world", () => {
  it("holds no token: not the push token, not one in the worker's own environment", async () => {
    const db = await openDatabase({});
    const runs = new RunStore(db);
    const { dir, sha } = rustRepo();
    const token = "ghs_pushtoken_must_stay_out_of_fixers";
    process.env.GITHUB_TOKEN = "ghs_worker_env_token";
    try {
      // A fixer that fails the run if it can see any token, then formats.
      const snoop = parseRecipe(
        `id: snoop\nname: Snoop\nhandles: { categories: [format] }\nconfidence: 0.99\nsteps:\n  - { id: look, run: [sh, -c, 'env | grep -q ghs_ && exit 9; cat .git 2>/dev/null | grep -q ghs_ && exit 9; exit 0'] }\n  - { id: format, run: cargo fmt --all }\nverify:\n  run: cargo fmt --all --check\n`,
        "snoop.yml",
      ).recipe!;
      // The repository on a forge that wants the token (served over HTTP from disk).
      const gitRoot = scratch();
      const served = path.join(gitRoot, "acme/crate.git");
      git(gitRoot, "clone", "-q", "--bare", dir, served);
      const server = await startGitHttpServer({ root: gitRoot, requireAuth: true });
      closers.push(() => server.close());
      const forge: FixForge = {
        forge: "github",
        remote: { url: `${server.origin}/acme/crate.git`, auth: { token, user: "x-access-token" } },
        openOrUpdatePullRequest: new LocalForge(runs, dir).openOrUpdatePullRequest.bind(new LocalForge(runs, dir)),
      };
      const tools = detectToolchains();
      const out = await runFix(
        {
          runs,
          mirrors: new MirrorCache(scratch()),
          workRoot: scratch(),
          forge,
          agents: agentsFrom([], [snoop]),
          rules: await loadBuiltinRules(),
          sandbox: detectSandbox(),
          sandboxPolicy: "preferred",
          logger: pino({ level: "silent" }),
          readOnlyPaths: tools.readOnlyPaths,
          toolEnv: tools.env,
        },
        { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: ["cargo", "fmt", "--all", "--check"] },
      );
      expect(out.status).toBe("proposed");
      const look = (await runs.ledger(out.runId)).find((e) => e.kind === "command" && e.data.step === "look");
      expect(look?.data.exitCode).toBe(0);
    } finally {
      delete process.env.GITHUB_TOKEN;
      await db.close();
    }
  });
});

describe.skipIf(!hasCargoFmt || !postgresAvailable)("a worker killed in the middle of a fix run", () => {
  it("leaves no branch pushed, and the next attempt abandons the dead run and completes", async () => {
    const pg = await freshPostgres();
    const { dir, sha } = rustRepo();
    const work = scratch();
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.resolve(import.meta.dirname, "../support/fix-run-child.ts"), pg.url, dir, sha, work],
      { stdio: "ignore", detached: true },
    );
    const runs = new RunStore(pg.db);
    try {
      // Wait until the dead-to-be run is executing its (hanging) fixer.
      let deadRun: string | undefined;
      for (let i = 0; i < 200 && !deadRun; i++) {
        const { rows } = await pg.db.query<{ run_id: string }>(
          "SELECT run_id FROM runs WHERE phase = 'EXECUTE' AND status = 'running'",
        );
        deadRun = rows[0]?.run_id;
        if (!deadRun) await new Promise((r) => setTimeout(r, 100));
      }
      expect(deadRun).toBeDefined();
      process.kill(-child.pid!, "SIGKILL");
      expect(git(dir, "branch", "--list", "sentinel/*")).toBe("");
      await new Promise((r) => setTimeout(r, 2000)); // its lease (1.5 s) lapses without heartbeats

      const out = await runFix(
        await localFixDeps({
          runs,
          repo: dir,
          mirrorsDir: path.join(work, "mirrors"),
          workRoot: path.join(work, "worktrees"),
          leaseTtlMs: 1500,
        }),
        { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: ["cargo", "fmt", "--all", "--check"] },
      );
      expect(out.status).toBe("proposed");
      expect(await runs.getRun(deadRun!)).toMatchObject({ status: "abandoned" });
      // Its worktree is gone too.
      const dead = (await runs.ledger(deadRun!)).find((e) => e.kind === "workspace.worktree")?.data as { path: string };
      expect(existsSync(dead.path)).toBe(false);
      expect(git(dir, "branch", "--list", "sentinel/*").trim()).toBe(out.branch);
    } finally {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
      await pg.drop();
    }
  });
});
