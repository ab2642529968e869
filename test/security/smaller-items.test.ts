import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentsFrom, parseRecipe } from "../../src/agents/index.js";
import { commitMessage, forkPatchComment, pullRequestBody } from "../../src/pipeline/fix-text.js";
import { runFix, type FixDeps } from "../../src/pipeline/index.js";
import { LocalForge, type FixForge } from "../../src/forge/index.js";
import { classifyText, loadBuiltinRules, type Diagnosis } from "../../src/sentinel/index.js";
import { openDatabase, RunStore, type Database } from "../../src/store/index.js";
import { fileInWorktree } from "../../src/workspace/index.js";
import { forgeGit } from "../support/forge-git.js";
import { git, rustCrate } from "../support/git-repos.js";
import { actionsLog, fakeGithub } from "../support/github-api.js";
import {
  BADLY_FORMATTED_CRATE,
  deliverGithub,
  failedWorkflowJob,
  RUSTFMT_OUTPUT,
  TEST_PRIVATE_KEY,
} from "../support/github-webhooks.js";
import { pipelineDeps } from "../support/pipeline-deps.js";
import { runningApp } from "../support/running-app.js";
import { hasCargoFmt } from "../support/toolchains.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const scratch = () => {
  const d = mkdtempSync(path.join(tmpdir(), "sentinel-small-"));
  dirs.push(d);
  return d;
};

const forge = await forgeGit();

describe("VERIFY runs only a command CI itself reported (finding 9)", () => {
  const SECRET = "verify-secret";
  const running = runningApp({
    APP_ID: "123",
    PRIVATE_KEY: TEST_PRIVATE_KEY,
    WEBHOOK_SECRET: SECRET,
    GHE_HOST: forge.host,
    GHE_PROTOCOL: "http",
    SENTINEL_WORK_DIR: scratch(),
  });

  it.skipIf(!hasCargoFmt)(
    "ignores a `Run …` step header the job printed itself, and verifies with the recipe's own command",
    async () => {
      const repo = "octo/forged-step";
      const { remote, sha } = forge.repo(repo, BADLY_FORMATTED_CRATE);
      // The job printed a group header of its own right before rustfmt's output (a test's output
      // can do this); GitHub's jobs API still says the failed step is `Run cargo fmt --all --check`.
      const log = actionsLog("cargo fmt --all --check", `##[group]Run touch forged.txt\n${RUSTFMT_OUTPUT}`);
      const gh = fakeGithub({
        repo,
        baseUrl: `${forge.origin}/api/v3`,
        installationId: 71,
        logs: { "7501": log },
        config: "mode: propose\n",
      });
      expect(
        (
          await deliverGithub(
            running.app.port,
            SECRET,
            "workflow_job",
            failedWorkflowJob({ installation: 71, repo, sha, jobId: 7501 }),
            "forged-step-1",
          )
        ).status,
      ).toBe(200);
      await running.app.queue.idle(90_000);
      const stored = await running.app.store.diagnoses.get(
        `github:${failedWorkflowJob({ installation: 71, repo, sha, jobId: 7501 }).repository.id}:job:7501`,
      );
      expect(stored?.diagnosis.step?.name).toBe("Run touch forged.txt");
      expect(gh.opened).toHaveLength(1);
      const { rows } = await running.app.store.db.query<{ data: { verify?: string[]; command?: string[] } }>(
        "SELECT data FROM ledger WHERE kind IN ('plan', 'command', 'verify')",
      );
      expect(rows.map((r) => JSON.stringify(r.data))).not.toContainEqual(expect.stringContaining("forged.txt"));
      expect(git(remote, "ls-tree", "--name-only", gh.opened[0]!.head)).not.toContain("forged.txt");
    },
    120_000,
  );
});

describe("text from a log in what Sentinel writes (finding 9)", () => {
  const hostile =
    "see https://evil.example/x and www.evil.example, ping @octocat about #1 and !2, ![x](https://evil.example/i.png) <img src=x onerror=y>";
  const d = {
    ...classifyText("error: boom\n", { sentinels: [], issues: [] }),
    category: "lint",
    tool: "eslint @team",
    summary: hostile,
    fingerprint: "sfp1-0",
  } as Diagnosis;

  it("makes a pull request body inert: no mentions, links, images, HTML or references", () => {
    const body = pullRequestBody(
      d,
      { objective: hostile } as never,
      ["a@b.js", "x`y.js"],
      ["npm", "test"],
      "run_1",
      "ESLint --fix",
    );
    for (const live of ["@octocat", "@team", "https://evil", "www.evil", "#1 ", "!2", "![x]"])
      expect(body).not.toContain(live);
    // An escaped `<` renders as text, not as a tag.
    expect(body).not.toMatch(/(^|[^\\])<img/);
    expect(body).toContain("evil.example");
  });

  it("keeps mentions out of a commit message and a fork's patch comment", () => {
    expect(commitMessage(d, "ESLint --fix", ["npm", "test"], "run_1")).not.toContain("@octocat");
    const comment = forkPatchComment({
      diagnosis: d,
      agentName: "x",
      verify: ["npm", "test"],
      runId: "run_1",
      files: ["a.js"],
      patch: "+ ```\n+ @octocat\n",
    });
    expect(comment.split("```diff")[0]).not.toContain("@octocat");
    // The patch's own backticks cannot close its fence.
    expect(comment).toMatch(/^(`{4,})diff\n[\s\S]*\n\1$/m);
  });
});

describe("a recipe's file checks stay inside the worktree (finding 9)", () => {
  it("answers false for a path out of the worktree, an absolute path, or a symlink pointing out", () => {
    const root = scratch();
    const outside = scratch();
    writeFileSync(path.join(outside, "secret"), "x");
    writeFileSync(path.join(root, "package.json"), "{}");
    mkdirSync(path.join(root, "sub"));
    symlinkSync(path.join(outside, "secret"), path.join(root, "sub", "link"));
    expect(fileInWorktree(root, "package.json")).toBe(true);
    expect(fileInWorktree(root, `../${path.basename(outside)}/secret`)).toBe(false);
    expect(fileInWorktree(root, path.join(outside, "secret"))).toBe(false);
    expect(fileInWorktree(root, "sub/link")).toBe(false);
    expect(fileInWorktree(root, "missing")).toBe(false);
  });
});

describe.skipIf(!hasCargoFmt)("the dependency cache a fixer gets (finding 9)", () => {
  let db: Database;
  let runs: RunStore;
  let base: Omit<FixDeps, "forge">;
  beforeAll(async () => {
    db = await openDatabase({});
    runs = new RunStore(db);
    base = { ...(await pipelineDeps(runs, dirs)), dependencyCacheDir: scratch() };
  });
  afterAll(() => db.close());

  /** A recipe that prints where npm would cache, then formats. */
  const agents = () => {
    const { recipe } = parseRecipe(
      "id: cache-probe\nname: probe\nhandles: { categories: [format] }\nconfidence: 0.99\nsteps:\n  - { id: where, run: [sh, -c, 'echo CACHE=$npm_config_cache'] }\n  - { id: format, run: cargo fmt --all }\nverify:\n  run: cargo fmt --all --check\n",
      "probe.yml",
    );
    return agentsFrom([], [recipe!]);
  };
  const cacheOf = async (runId: string) =>
    /CACHE=(\S+)/.exec(
      String((await runs.ledger(runId)).find((e) => e.kind === "command" && e.data.step === "where")?.data.outputTail),
    )?.[1] ?? "";
  const diagnosis = async () =>
    classifyText(RUSTFMT_OUTPUT, await loadBuiltinRules(), { command: "cargo fmt --all --check" });

  it("is keyed by the repository's id, so a renamed repository keeps it", async () => {
    const a = rustCrate("cache-a");
    dirs.push(a.dir);
    const first = await runFix(
      { ...base, agents: agents(), forge: new LocalForge(runs, a.dir) },
      {
        forge: "local",
        repo: "octo/old-name",
        repoId: "4242",
        sha: a.sha,
        baseBranch: "main",
        failingCommand: ["cargo", "fmt", "--all", "--check"],
      },
    );
    const b = rustCrate("cache-b");
    dirs.push(b.dir);
    const second = await runFix(
      { ...base, agents: agents(), forge: new LocalForge(runs, b.dir) },
      {
        forge: "local",
        repo: "octo/new-name",
        repoId: "4242",
        sha: b.sha,
        baseBranch: "main",
        failingCommand: ["cargo", "fmt", "--all", "--check"],
      },
    );
    expect(await cacheOf(first.runId)).toBe(await cacheOf(second.runId));
    expect((await cacheOf(first.runId)).startsWith(base.dependencyCacheDir!)).toBe(true);
  }, 120_000);

  it("is the run's own for a fork's code, never the repository's shared one", async () => {
    const { dir, sha } = rustCrate("cache-fork");
    dirs.push(dir);
    // The fork's commit under its pull request's ref, as a forge keeps it.
    git(dir, "update-ref", "refs/pull/9/head", sha);
    const local = new LocalForge(runs, dir);
    const forkForge: FixForge = {
      forge: "github",
      remote: { url: dir },
      openOrUpdatePullRequest: local.openOrUpdatePullRequest.bind(local),
      suggestPatch: async () => ({ id: "1" }),
    };
    const out = await runFix(
      {
        ...base,
        agents: agents(),
        forge: forkForge,
        gate: async (i) =>
          i.stage === "fork" ? { verdict: "allow", action: "propose" } : { verdict: "allow", action: "propose" },
      },
      {
        forge: "github",
        repo: "octo/forked",
        repoId: "4242",
        sha,
        baseBranch: "main",
        diagnosis: await diagnosis(),
        failingCommand: ["cargo", "fmt", "--all", "--check"],
        fromFork: true,
        prNumber: 9,
      },
    );
    expect(out.status).toBe("suggested");
    const cache = await cacheOf(out.runId);
    expect(cache.startsWith(path.join(base.workRoot, out.runId))).toBe(true);
    expect(cache.startsWith(base.dependencyCacheDir!)).toBe(false);
  }, 120_000);
});
