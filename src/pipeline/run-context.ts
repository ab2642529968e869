import type { Logger } from "pino";
import type { Agent, AgentContext, ModelWork, PlannedStep } from "../agents/index.js";
import type { Diagnosis } from "../sentinel/index.js";
import type { RunPhase } from "../store/index.js";
import type { Worktree, WorktreeSnapshot, WorktreeState } from "../workspace/index.js";
import { DEFAULT_RUN_DEADLINE_S } from "../sandbox/index.js";
import { DEFAULT_LEASE_TTL_MS, type FixDeps, type FixOutcome, type FixRequest } from "./fix-types.js";
import {
  DEFAULT_BLAST_RADIUS,
  DEFAULT_ERROR_BUDGET,
  ErrorBudget,
  type BlastRadius,
  type InstructionPacket,
} from "./governance.js";
import { databaseLeases, type Leases } from "./leases.js";

/** A phase's answer: the phase to enter next, or the end of the run with its outcome. */
export type PhaseResult = { readonly next: Exclude<RunPhase, "BOOTSTRAP" | "EXIT"> } | { readonly end: RunEnding };

/** How a run that got to the end says what it did; the driver adds what every outcome carries. */
export interface RunEnding {
  readonly status: "proposed" | "pushed" | "suggested";
  readonly reason: string;
  readonly branch?: string;
  readonly commit?: string;
  readonly pullRequest?: { number: number; url: string | null; created: boolean };
}

/** One phase of the pipeline: reads and extends the run's context, and says where the run goes next. */
export type Phase = (ctx: RunContext) => Promise<PhaseResult>;

/** The lease's rhythm: its TTL, how often a live run beats, and after how long silence it is dead. */
export interface LeaseTiming {
  readonly ttlMs: number;
  readonly beatMs: number;
  readonly deadAfterMs: number;
}

/** Where the run's time went, per phase, and the phase it is in now. */
export interface PhaseClock {
  readonly phaseMs: FixOutcome["phaseMs"];
  current: RunPhase | "DIAGNOSE";
  startedAt: number;
}

/** What the fixer's commands run with: environment, writable paths beyond the worktree, HOME. */
export interface CommandSetting {
  env: Record<string, string>;
  writable: string[];
  home?: string;
  /** The repository's dependency cache (npm's, yarn's, pnpm's store), when the run has one. */
  cacheDir?: string;
}

/** What PREFLIGHT installed before the failing command ran (or why it installed nothing). */
export interface PreparedDependencies {
  readonly installed: boolean;
  /** `npm ci`, `pnpm install --frozen-lockfile`, …, for the fixer's steps that would install again. */
  readonly manager?: string;
  readonly mode?: "offline" | "online";
  readonly because: string;
}

/** The agent chosen at PREFLIGHT, and what it planned at PLAN. */
export interface ChosenAgent {
  readonly agent: Agent;
  readonly confidence: number;
  readonly context: AgentContext;
}

export interface RunPlan {
  readonly steps: readonly PlannedStep[];
  readonly verifyCommand: readonly string[];
  readonly packet: InstructionPacket;
}

/** What PACKAGE wrote, for REPORT to tell the forge about. */
export type Packaged =
  | { readonly kind: "suggested" }
  | { readonly kind: "pushed" | "proposed"; readonly branch: string; readonly commit: string };

/**
 * Everything a run's phases share. Fixed when the run starts: what it was asked and given, its
 * id and keys, its lease, budget and deadline. Filled in as it goes: the worktree, the diagnosis,
 * the agent and its plan, the verified diff, what was written. Each phase reads what earlier ones
 * left and leaves what later ones need; a phase can be run alone with a context built by hand.
 */
export interface RunContext {
  readonly deps: FixDeps;
  readonly req: FixRequest;
  readonly runId: string;
  /** Continuing a run a human approved, rather than a new one. */
  readonly resuming: boolean;
  /** One run per repository and failure: `forge:repo:fingerprint`. */
  readonly runKey: string;
  readonly leaseKey: string;
  readonly leases: Leases;
  readonly timing: LeaseTiming;
  readonly log: Logger;
  readonly budget: ErrorBudget;
  /** One deadline for the whole run (epoch ms), whatever its recipe asks of each step. */
  readonly deadline: number;
  readonly clock: PhaseClock;
  readonly command: CommandSetting;
  /** Stops the lease's heartbeat; set once BOOTSTRAP holds the lease. */
  stopHeartbeat: (() => void) | null;
  worktree: Worktree | null;
  runDir: { dir: string; mirrorDir: string } | null;
  diagnosis: Diagnosis | undefined;
  /** Set once the failing command's dependencies were prepared (or found not needed): once a run. */
  dependencies: PreparedDependencies | null;
  chosen: ChosenAgent | null;
  /** The model agent that may try when the chosen recipe's fix fails VERIFY (model-fallback.ts). */
  modelFallback: ChosenAgent | null;
  /** The recipe whose fix failed VERIFY and was taken back before the model agent tried. */
  setAside: { readonly agentId: string; readonly reason: string } | null;
  /** The worktree before the recipe ran, kept only while a model agent may still take over. */
  snapshot: WorktreeSnapshot | null;
  /** What the policy lets the run do; the package gate may narrow it, never widen it. */
  action: "shadow" | "propose" | "push";
  blast: BlastRadius;
  plan: RunPlan | null;
  /** What the worktree held beyond its commit before the fixer ran (after the failing command and any install). */
  stateBeforeFix: WorktreeState | null;
  /** The paths the fixer changed: the fix, and all that is ever committed. */
  fixPaths: string[] | null;
  /** VERIFY staged exactly `fixPaths` for its diff, and nothing has run in the worktree since: PACKAGE commits the index as it is. */
  fixStaged: boolean;
  /** The verified change (also recorded for shadow runs that write nothing). */
  diff: NonNullable<FixOutcome["diff"]> | null;
  packaged: Packaged | null;
  /** What a model agent did at EXECUTE: for VERIFY's fingerprint cache and REPORT's pull request. */
  modelWork?: ModelWork;
}

/** The agent's id once one is chosen. */
export function agentIdOf(ctx: RunContext): string | undefined {
  return ctx.chosen?.agent.id;
}

/** The fingerprint a run is keyed by: the diagnosis's, or the failing command's without one. */
export function fingerprintOf(req: FixRequest): string {
  return req.diagnosis?.fingerprint ?? `cmd-${(req.failingCommand ?? []).join(" ")}`;
}

/** A run's context as it starts: nothing chosen, checked out or written yet. */
export function createRunContext(deps: FixDeps, req: FixRequest, runId: string, resuming: boolean): RunContext {
  const ttlMs = deps.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  // A running run beats (renews its lease, stamps its heartbeat) this often; one whose heart
  // stopped for three beats is dead.
  const beatMs = Math.max(1000, Math.min(Math.floor(ttlMs / 3), 5000));
  const runKey = `${req.forge}:${req.repo}:${fingerprintOf(req)}`;
  return {
    deps,
    req,
    runId,
    resuming,
    runKey,
    leaseKey: `fix:${runKey}`,
    leases: deps.leases ?? databaseLeases(deps.runs),
    timing: { ttlMs, beatMs, deadAfterMs: 3 * beatMs },
    log: deps.logger.child({ run: runId, repo: req.repo }),
    budget: new ErrorBudget(deps.errorBudget ?? DEFAULT_ERROR_BUDGET),
    // One deadline for the whole run, whatever its recipe asks of each step (a repository recipe
    // could otherwise ask for 20 steps of an hour each, retried).
    deadline: Date.now() + (deps.runDeadlineMs ?? DEFAULT_RUN_DEADLINE_S * 1000),
    clock: { phaseMs: {}, current: "BOOTSTRAP", startedAt: Date.now() },
    command: { env: { ...(deps.toolEnv ?? {}) }, writable: [] },
    stopHeartbeat: null,
    worktree: null,
    runDir: null,
    diagnosis: req.diagnosis,
    dependencies: null,
    chosen: null,
    modelFallback: null,
    setAside: null,
    snapshot: null,
    action: "propose",
    blast: deps.blastRadius ?? DEFAULT_BLAST_RADIUS,
    plan: null,
    stateBeforeFix: null,
    fixPaths: null,
    fixStaged: false,
    diff: null,
    packaged: null,
  };
}
