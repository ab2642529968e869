import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import type { Agent, PlannedStep } from "../../../src/agents/index.js";
import { type FixDeps, type FixRequest } from "../../../src/pipeline/index.js";
import { LocalForge } from "../../../src/forge/index.js";
import { createRunContext, type RunContext } from "../../../src/pipeline/run-context.js";
import { classifyText, loadBuiltinRules, type Diagnosis } from "../../../src/sentinel/index.js";
import { openDatabase, RunStore, type Database } from "../../../src/store/index.js";
import { MirrorCache } from "../../../src/workspace/index.js";
import { localRepo } from "../../support/git-repos.js";
import { actionsLog } from "../../support/github-api.js";
import { RUSTFMT_OUTPUT } from "../../support/github-webhooks.js";

// A small world for running one phase alone: an in-memory database with the run started, a
// local repository checked out as the run's worktree, no sandbox, and no policy.

export interface PhaseWorld {
  readonly db: Database;
  readonly runs: RunStore;
  readonly repo: { dir: string; sha: string };
  readonly diagnosis: Diagnosis;
  /** A fresh context for a run started in the database, with whatever the test changes. */
  context(o?: { deps?: Partial<FixDeps>; req?: Partial<FixRequest> }): Promise<RunContext>;
  close(): Promise<void>;
}

let runCounter = 0;

export async function phaseWorld(): Promise<PhaseWorld> {
  const db = await openDatabase({});
  const runs = new RunStore(db);
  const dirs: string[] = [];
  const scratch = () => {
    const d = mkdtempSync(path.join(tmpdir(), "sentinel-phase-"));
    dirs.push(d);
    return d;
  };
  const repo = localRepo({ "README.md": "hello\n" }, "sentinel-phase-repo-");
  dirs.push(repo.dir);
  const rules = await loadBuiltinRules();
  const diagnosis = classifyText(actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT), rules, {
    source: "log",
    jobName: "fmt",
    workspaceRoots: ["/home/runner/work/Hello-World/Hello-World"],
  });
  return {
    db,
    runs,
    repo,
    diagnosis,
    async context(o = {}) {
      const deps: FixDeps = {
        runs,
        mirrors: new MirrorCache(scratch()),
        workRoot: scratch(),
        forge: new LocalForge(runs, repo.dir),
        agents: [],
        rules,
        sandbox: "none",
        sandboxPolicy: "preferred",
        logger: pino({ level: "silent" }),
        ...o.deps,
      };
      const req: FixRequest = {
        forge: "local",
        repo: repo.dir,
        sha: repo.sha,
        baseBranch: "main",
        diagnosis,
        failureKey: "local:phase",
        ...o.req,
      };
      const runId = `run_phase_${++runCounter}`;
      const ctx = createRunContext(deps, req, runId, false);
      await runs.startRun({
        runId,
        runKey: ctx.runKey,
        forge: "local",
        repo: repo.dir,
        fingerprint: diagnosis.fingerprint,
        failureKey: req.failureKey ?? null,
        sha: repo.sha,
      });
      ctx.worktree = { path: repo.dir, gitDir: path.join(repo.dir, ".git"), mirrorDir: repo.dir, sha: repo.sha };
      return ctx;
    },
    async close() {
      await db.close();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** An agent that plans the given steps and verifies with the given command (null: it names none). */
export function scriptedAgent(steps: readonly PlannedStep[], verify: readonly string[] | null): Agent {
  return {
    id: "scripted",
    name: "Scripted agent",
    handles: () => 1,
    plan: () => [...steps],
    verifyCommand: () => verify,
  };
}

/** A step running `script` with sh, stopping the run on failure unless told otherwise. */
export function shellStep(id: string, script: string, onError: PlannedStep["onError"] = "abort"): PlannedStep {
  return { id, command: ["sh", "-c", script], network: false, timeoutMs: 30_000, onError, retries: 0 };
}

/** Puts a chosen agent and its plan into the context, as PREFLIGHT and PLAN would. */
export function withPlan(
  ctx: RunContext,
  agent: Agent,
  steps: readonly PlannedStep[],
  verifyCommand: readonly string[],
): void {
  const d = ctx.diagnosis as Diagnosis;
  const context = { diagnosis: d, fileExists: () => false, failingCommand: null };
  ctx.chosen = { agent, confidence: 1, context };
  const packet = {
    objective: "test",
    constraints: { allowedPaths: ["*"], forbiddenPaths: [], requiredSteps: steps.map((s) => s.id) },
    successCriteria: [],
    errorBudget: ctx.budget.limits,
    blastRadius: ctx.blast,
  };
  ctx.plan = { steps, verifyCommand, packet };
}
