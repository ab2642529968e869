// Regression tests for what the faults bench (bench/faults.mjs) found when it killed workers in the
// middle of fix runs: a retried job must finish its failure's fix, not stop as "locked" or be
// denied by the cooldown its own dead run set off; a waiting run is alive; a run that lost its
// lease writes nothing; a push that landed but was never recorded is still Sentinel's.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ForgeClient } from "../../src/forge/forge-client.js";
import type { WorkerDeps } from "../../src/ingest/index.js";
import {
  abandonDeadRuns,
  fixFailure,
  localFixDeps,
  removeFinishedRunDirectories,
  runFix,
  type FixDeps,
  type FixRequest,
  type Leases,
} from "../../src/pipeline/index.js";
import { LocalForge } from "../../src/forge/index.js";
import { fixBranchName } from "../../src/pipeline/index.js";
import { MemoryQueue } from "../../src/queue/index.js";
import { detectSandbox, detectToolchains } from "../../src/sandbox/index.js";
import { classifyText, loadBuiltinRules, type Diagnosis } from "../../src/sentinel/index.js";
import { openDatabase, RunStore, Store, type Database, type FailureRecord } from "../../src/store/index.js";
import { MirrorCache } from "../../src/workspace/index.js";
import { git } from "../support/git-repos.js";
import { actionsLog } from "../support/github-api.js";
import { RUSTFMT_OUTPUT } from "../support/github-webhooks.js";
import { hasCargoFmt } from "../support/toolchains.js";

const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(path.join(tmpdir(), "sentinel-crash-"));
  dirs.push(d);
  return d;
};
const FMT = ["cargo", "fmt", "--all", "--check"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The crate RUSTFMT_OUTPUT was printed for, committed on main. */
function rustRepo(): { dir: string; sha: string } {
  const dir = scratch();
  git(dir, "init", "-q", "-b", "main");
  writeFileSync(path.join(dir, "Cargo.toml"), '[package]\nname = "hello"\nversion = "0.1.0"\nedition = "2021"\n');
  mkdirSync(path.join(dir, "src"));
  writeFileSync(path.join(dir, "src/main.rs"), 'fn main(){let x=1;println!("{}",x);}\n');
  writeFileSync(path.join(dir, ".gitignore"), "target/\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "initial");
  return { dir, sha: git(dir, "rev-parse", "HEAD") };
}

/** The diagnosis ingestion stores for that crate's failed `cargo fmt --all --check` job. */
async function ingestedDiagnosis(): Promise<Diagnosis> {
  return classifyText(actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT), await loadBuiltinRules(), {
    source: "log",
    jobName: "fmt",
    workspaceRoots: ["/home/runner/work/Hello-World/Hello-World"],
  });
}

let db: Database;
let runs: RunStore;
beforeAll(async () => {
  db = await openDatabase({});
  runs = new RunStore(db);
});
afterAll(async () => {
  await db.close();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

async function deps(
  repo: string,
  o: { leaseTtlMs?: number; leaseWaitMs?: number; leases?: Leases } = {},
): Promise<FixDeps> {
  const base = await localFixDeps({
    runs,
    repo,
    mirrorsDir: scratch(),
    workRoot: scratch(),
    leaseTtlMs: o.leaseTtlMs ?? 1500,
  });
  return {
    ...base,
    ...(o.leaseWaitMs !== undefined ? { leaseWaitMs: o.leaseWaitMs } : {}),
    ...(o.leases ? { leases: o.leases } : {}),
  };
}

/** A run whose worker was just killed: it holds the lease and its heart beat a moment ago. */
async function justDied(
  runId: string,
  repo: string,
  sha: string,
  ttlMs: number,
  o: { failureKey?: string; fingerprint?: string } = {},
): Promise<void> {
  const fingerprint = o.fingerprint ?? `cmd-${FMT.join(" ")}`;
  const runKey = `local:${repo}:${fingerprint}`;
  await runs.startRun({ runId, runKey, forge: "local", repo, fingerprint, sha, failureKey: o.failureKey ?? null });
  expect(await runs.acquireLease(`fix:${runKey}`, runId, ttlMs)).toBe(true);
}

describe.skipIf(!hasCargoFmt)("fix runs after a worker died", () => {
  it("a retried job waits out its dead run's lease and completes, instead of stopping as locked", async () => {
    const { dir, sha } = rustRepo();
    const [waiting, notWaiting] = [await deps(dir, { leaseWaitMs: 15_000 }), await deps(dir)];
    await justDied("run_dead_lease", dir, sha, 5000);
    const req: FixRequest = { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: FMT };
    // Without waiting (the CLI's default), the dead run's lease still stops it.
    expect((await runFix(notWaiting, req)).status).toBe("locked");

    const out = await runFix(waiting, req);
    expect(out.status).toBe("proposed");
    expect(await runs.getRun("run_dead_lease")).toMatchObject({ status: "abandoned" });
    expect((await runs.ledger(out.runId)).map((e) => e.kind)).toContain("lease.waiting");
    expect(git(dir, "branch", "--list", "sentinel/*").trim()).toBe(out.branch);
  }, 60_000);

  it("a retried job takes the lease over from its own dead run at once, without waiting for it to lapse", async () => {
    const { dir, sha } = rustRepo();
    // The same job's earlier run: its worker died 20 s ago, its lease would last another 40 s.
    await justDied("run_dead_same_job", dir, sha, 60_000, { failureKey: "github:1:job:42" });
    await db.query("UPDATE runs SET heartbeat_at = now() - interval '20 seconds' WHERE run_id = $1", [
      "run_dead_same_job",
    ]);
    const req: FixRequest = {
      forge: "local",
      repo: dir,
      sha,
      baseBranch: "main",
      failingCommand: FMT,
      failureKey: "github:1:job:42",
    };
    const started = Date.now();
    const out = await runFix(await deps(dir, { leaseTtlMs: 60_000, leaseWaitMs: 75_000 }), req);
    expect(out.status).toBe("proposed");
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await runs.getRun("run_dead_same_job")).toMatchObject({ status: "abandoned" });
    expect((await runs.ledger("run_dead_same_job")).find((e) => e.kind === "run.abandoned")?.data).toMatchObject({
      by: out.runId,
    });
  }, 60_000);

  it("does not take over a lease from another failure's run, nor from a run whose heart still beats", async () => {
    const { dir, sha } = rustRepo();
    await justDied("run_other_failure", dir, sha, 60_000, { failureKey: "github:1:job:43" });
    await db.query("UPDATE runs SET heartbeat_at = now() - interval '20 seconds' WHERE run_id = $1", [
      "run_other_failure",
    ]);
    const other = await runFix(await deps(dir, { leaseTtlMs: 60_000, leaseWaitMs: 1500 }), {
      forge: "local",
      repo: dir,
      sha,
      baseBranch: "main",
      failingCommand: FMT,
      failureKey: "github:1:job:44",
    });
    expect(other.status).toBe("locked");

    const { dir: dir2, sha: sha2 } = rustRepo();
    await justDied("run_alive_same_job", dir2, sha2, 60_000, { failureKey: "github:1:job:45" });
    const alive = await runFix(await deps(dir2, { leaseTtlMs: 60_000, leaseWaitMs: 1500 }), {
      forge: "local",
      repo: dir2,
      sha: sha2,
      baseBranch: "main",
      failingCommand: FMT,
      failureKey: "github:1:job:45",
    });
    expect(alive.status).toBe("locked");
    expect(await runs.getRun("run_alive_same_job")).toMatchObject({ status: "running" });
  }, 60_000);

  it("a run waiting for the lease keeps its heart beating, so the janitor does not take it for dead", async () => {
    const { dir, sha } = rustRepo();
    // The dead run's lease outlasts the janitor's patience (2.5 s) by far: the new run waits ~6 s.
    await justDied("run_dead_janitor", dir, sha, 6000);
    const running = runFix(await deps(dir, { leaseTtlMs: 3000, leaseWaitMs: 12_000 }), {
      forge: "local",
      repo: dir,
      sha,
      baseBranch: "main",
      failingCommand: FMT,
    });
    let done = false;
    void running.finally(() => (done = true));
    const abandonedByJanitor = new Set<string>();
    while (!done) {
      // A janitor that gives runs up after 2.5 s without a heartbeat, every 200 ms.
      for (const id of await abandonDeadRuns(runs, 2500)) abandonedByJanitor.add(id);
      await sleep(200);
    }
    const out = await running;
    expect(out.status).toBe("proposed");
    expect([...abandonedByJanitor]).not.toContain(out.runId);
    expect(await runs.getRun(out.runId)).toMatchObject({ status: "succeeded" });
  }, 60_000);

  it("a run that lost its lease before PACKAGE pushes nothing", async () => {
    const { dir, sha } = rustRepo();
    // Another run took the lease over: renewing it fails from the start.
    const lost: Leases = {
      kind: "database",
      acquire: async () => true,
      renew: async () => false,
      release: async () => {},
    };
    const out = await runFix(await deps(dir, { leases: lost }), {
      forge: "local",
      repo: dir,
      sha,
      baseBranch: "main",
      failingCommand: FMT,
    });
    expect(out).toMatchObject({ status: "locked" });
    expect(out.reason).toMatch(/lost its lease/);
    expect(git(dir, "branch", "--list", "sentinel/*")).toBe("");
    expect((await runs.ledger(out.runId)).map((e) => e.kind)).not.toContain("pushing");
  }, 60_000);

  it("a run killed while git was creating its worktree leaves nothing behind once found dead", async () => {
    const { dir, sha } = rustRepo();
    const work = scratch();
    const mirror = path.join(work, "mirror.git");
    execFileSync("git", ["clone", "-q", "--bare", dir, mirror]);
    // What the dead run had recorded (its folder), and what git left when it was killed inside
    // `git worktree add`: a checkout in that folder, still locked as "initializing".
    const runDir = path.join(work, "worktrees", "run_dead_creating");
    await runs.startRun({
      runId: "run_dead_creating",
      runKey: `local:${dir}:x`,
      forge: "local",
      repo: dir,
      fingerprint: "x",
      sha,
    });
    await runs.record("run_dead_creating", "workspace.creating", { dir: runDir, mirrorDir: mirror });
    execFileSync("git", ["worktree", "add", "-q", "--detach", path.join(runDir, "run-x"), sha], { cwd: mirror });
    writeFileSync(path.join(mirror, "worktrees", "run-x", "locked"), "initializing");
    await db.query("UPDATE runs SET heartbeat_at = now() - interval '5 minutes' WHERE run_id = $1", [
      "run_dead_creating",
    ]);

    expect(await abandonDeadRuns(runs, 60_000)).toContain("run_dead_creating");
    expect(existsSync(runDir)).toBe(false);
    expect(
      execFileSync("git", ["worktree", "list", "--porcelain"], { cwd: mirror, encoding: "utf8" }).match(/^worktree /gm),
    ).toHaveLength(1);
  });

  it("a finished run's folder that its dying worker never removed is swept by the janitor; live runs' folders are not", async () => {
    const { dir, sha } = rustRepo();
    const work = scratch();
    const mirror = path.join(work, "mirror.git");
    execFileSync("git", ["clone", "-q", "--bare", dir, mirror]);
    const workRoot = path.join(work, "worktrees");
    const folderOf = async (runId: string, status: string) => {
      await runs.startRun({ runId, runKey: `local:${dir}:y`, forge: "local", repo: dir, fingerprint: "y", sha });
      const runDir = path.join(workRoot, runId);
      await runs.record(runId, "workspace.creating", { dir: runDir, mirrorDir: mirror });
      execFileSync("git", ["worktree", "add", "-q", "--detach", path.join(runDir, `run-${runId.slice(-6)}`), sha], {
        cwd: mirror,
      });
      await db.query(
        "UPDATE runs SET status = $2, finished_at = CASE WHEN $2 = 'succeeded' THEN now() - interval '1 minute' END WHERE run_id = $1",
        [runId, status],
      );
      return runDir;
    };
    // Killed after its outcome was recorded, while it was removing its worktree.
    const finished = await folderOf("run_done_not_cleaned", "succeeded");
    const live = await folderOf("run_still_working", "running");
    const parked = await folderOf("run_parked_waiting", "waiting");

    expect(await removeFinishedRunDirectories(runs, workRoot)).toEqual([finished]);
    expect([existsSync(finished), existsSync(live), existsSync(parked)]).toEqual([false, true, true]);
    expect(
      execFileSync("git", ["worktree", "list", "--porcelain"], { cwd: mirror, encoding: "utf8" }).match(/^worktree /gm),
    ).toHaveLength(3);
  });

  it("a finished run leaves its work root empty", async () => {
    const { dir, sha } = rustRepo();
    const base = await deps(dir);
    const out = await runFix(base, { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: FMT });
    expect(out.status).toBe("proposed");
    expect(readdirSync(base.workRoot)).toEqual([]);
  }, 60_000);

  /** A fix commit on the fix branch as a dead run's push left it: landed, never recorded. */
  function pushedByDeadRun(
    dir: string,
    branch: string,
    deadRunId: string,
    who: { name: string; email: string },
  ): string {
    const clone = scratch();
    execFileSync("git", ["clone", "-q", dir, clone]);
    writeFileSync(path.join(clone, "src/main.rs"), 'fn main() {\n    let x = 1;\n    println!("{}", x);\n}\n');
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: who.name,
      GIT_AUTHOR_EMAIL: who.email,
      GIT_COMMITTER_NAME: who.name,
      GIT_COMMITTER_EMAIL: who.email,
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
    };
    execFileSync(
      "git",
      [
        "commit",
        "-q",
        "-am",
        `fix(format): cargo fmt for cargo\n\nSentinel-Run: ${deadRunId}\nSentinel-Fingerprint: x`,
      ],
      { cwd: clone, env },
    );
    execFileSync("git", ["push", "-q", "origin", `HEAD:refs/heads/${branch}`], { cwd: clone, env });
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd: clone, encoding: "utf8" }).trim();
  }

  async function deadRunThatWasPushing(id: string, dir: string, sha: string, d: Diagnosis): Promise<void> {
    await runs.startRun({
      runId: id,
      runKey: `local:${dir}:${d.fingerprint}`,
      forge: "local",
      repo: dir,
      fingerprint: d.fingerprint,
      sha,
    });
    await runs.record(id, "pushing", { branch: fixBranchName(d) });
    await db.query("UPDATE runs SET status = 'abandoned' WHERE run_id = $1", [id]);
  }

  it("a dead run's push that landed unrecorded is recognised as Sentinel's: the next run completes it and the ledger records the push", async () => {
    const { dir, sha } = rustRepo();
    const d = await ingestedDiagnosis();
    const branch = fixBranchName(d);
    await deadRunThatWasPushing("run_dead_pushed", dir, sha, d);
    const landed = pushedByDeadRun(dir, branch, "run_dead_pushed", {
      name: "sentinel[bot]",
      email: "sentinel-bot@users.noreply.invalid",
    });

    const out = await runFix(await deps(dir), {
      forge: "local",
      repo: dir,
      sha,
      baseBranch: "main",
      diagnosis: d,
      failingCommand: FMT,
    });
    expect(out.status).toBe("proposed");
    expect((await runs.ledger("run_dead_pushed")).find((e) => e.kind === "pushed")?.data).toMatchObject({
      branch,
      commit: landed,
      recoveredBy: out.runId,
    });
    expect(git(dir, "rev-parse", branch)).toBe(out.commit);
  }, 60_000);

  it("a person's commit on the fix branch is still left alone, even one carrying a dead run's trailer", async () => {
    const { dir, sha } = rustRepo();
    const d = await ingestedDiagnosis();
    const branch = fixBranchName(d);
    await deadRunThatWasPushing("run_dead_amended", dir, sha, d);
    const theirs = pushedByDeadRun(dir, branch, "run_dead_amended", { name: "Dev", email: "dev@example.invalid" });

    const out = await runFix(await deps(dir), {
      forge: "local",
      repo: dir,
      sha,
      baseBranch: "main",
      diagnosis: d,
      failingCommand: FMT,
    });
    expect(out).toMatchObject({ status: "policy", rule: "policy.loop" });
    expect(git(dir, "rev-parse", branch)).toBe(theirs);
    expect((await runs.ledger("run_dead_amended")).map((e) => e.kind)).not.toContain("pushed");
  }, 60_000);
});

describe.skipIf(!hasCargoFmt)("the fix job of a failure whose run died after the policy gate", () => {
  async function setup(killedRunFailureKey: (own: string) => string, firstRunEnded?: "error") {
    const { dir, sha } = rustRepo();
    const store = new Store(db);
    const failureKey = `github:1:job:${Math.floor(Math.random() * 1e9)}`;
    const failure: FailureRecord = {
      failureKey,
      forge: "github",
      source: "workflow_job",
      repo: `acme/crate-${failureKey.split(":").pop()}`,
      repoId: "1",
      installationId: "1",
      sha,
      ref: "main",
      jobId: failureKey.split(":").pop() as string,
      jobName: "fmt",
      runId: "1",
      runAttempt: 1,
      jobUrl: null,
      pullRequests: [],
      fromFork: false,
      context: { actions: true, defaultBranch: "main" },
      firstDelivery: "delivery-1",
    };
    await store.failures.record(failure);
    const d = await ingestedDiagnosis();
    await store.diagnoses.save(failure, d, false);
    // The first run got past the gate (an action was decided) and its worker was killed long ago.
    const killed = `run_killed_${failureKey.split(":").pop()}`;
    await runs.startRun({
      runId: killed,
      runKey: `github:${failure.repo}:${d.fingerprint}`,
      forge: "github",
      repo: failure.repo,
      fingerprint: d.fingerprint,
      failureKey: killedRunFailureKey(failureKey),
      sha,
    });
    await runs.setRunFields(killed, { action: "propose", agentId: "cargo-fmt" });
    await db.query("UPDATE runs SET heartbeat_at = now() - interval '5 minutes' WHERE run_id = $1", [killed]);
    // Or it did not die: it threw (Redis or the forge away for a moment) and the queue retries its job.
    if (firstRunEnded)
      await runs.finishRun(killed, firstRunEnded, {
        runId: killed,
        status: firstRunEnded,
        reason: "Reached the max retries per request limit",
      });
    const forge = {
      forge: "github",
      repo: failure.repo,
      configPath: ".github/sentinel.yml",
      readConfig: async () => ({ path: ".github/sentinel.yml", text: "mode: propose\n" }),
      readFile: async () => null,
    } as unknown as ForgeClient;
    const workerDeps: WorkerDeps = {
      store,
      queue: new MemoryQueue(),
      logger: pino({ level: "silent" }),
      forges: { client: async () => forge, fixer: async () => new LocalForge(runs, dir) },
      fixing: {
        mirrors: new MirrorCache(scratch()),
        workRoot: scratch(),
        sandbox: detectSandbox(),
        sandboxPolicy: "preferred",
        toolchains: detectToolchains(),
      },
    };
    return { workerDeps, failureKey, killed, dir };
  }

  it("is completed by the retried job, not denied by the cooldown its own dead run set off", async () => {
    const { workerDeps, failureKey, killed, dir } = await setup((own) => own);
    const out = await fixFailure(workerDeps, failureKey);
    expect(out).toMatchObject({ status: "proposed" });
    expect(await runs.getRun(killed)).toMatchObject({ status: "abandoned" });
    expect(git(dir, "branch", "--list", "sentinel/*").trim()).toBe(out?.branch);
  }, 60_000);

  it("is completed by the retried job when its first run threw, not denied by the cooldown that run set off", async () => {
    const { workerDeps, failureKey, killed } = await setup((own) => own, "error");
    const out = await fixFailure(workerDeps, failureKey);
    expect(out).toMatchObject({ status: "proposed" });
    expect(await runs.getRun(killed)).toMatchObject({ status: "error" });
  }, 60_000);

  it("still counts another failure's abandoned run against the cooldown", async () => {
    const { workerDeps, failureKey } = await setup(() => "github:1:job:another");
    const out = await fixFailure(workerDeps, failureKey);
    expect(out).toMatchObject({ status: "policy", rule: "policy.cooldown.perFingerprint" });
  }, 60_000);
});
