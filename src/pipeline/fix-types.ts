import type { Logger } from "pino";
import type { Agent } from "../agents/index.js";
import type { LiveFeed } from "../live/index.js";
import type { EgressPolicy, ResourceLimits, SandboxMode } from "../sandbox/index.js";
import type { Diagnosis, RuleSet } from "../sentinel/index.js";
import type { Forge, RunPhase, RunStore } from "../store/index.js";
import type { MirrorCache } from "../workspace/index.js";
import type { FixForge } from "../forge/index.js";
import type { BlastRadius, ErrorBudgetLimits } from "./governance.js";
import type { Leases } from "./leases.js";

// The fix pipeline's vocabulary: what it is asked, what it is given, what it answers.

export interface FixRequest {
  readonly forge: Forge;
  readonly repo: string;
  /** The forge's id for the repository (keys its dependency cache; a rename keeps it). */
  readonly repoId?: string | null;
  readonly sha: string;
  readonly baseBranch: string;
  /** From ingestion; without it the failing command is run first to diagnose. */
  readonly diagnosis?: Diagnosis;
  readonly failingCommand?: readonly string[] | null;
  readonly failureKey?: string | null;
  readonly fromFork?: boolean;
  /** The pull request the failure is on (for the ledger, approvals and push mode). */
  readonly prNumber?: number | null;
  /** The pull request's head branch, when it lives in this repository: where push mode commits. */
  readonly pushBranch?: string | null;
  /** Asked for by a maintainer (`/sentinel fix`), not by a webhook. */
  readonly manual?: boolean;
  /** Who asked for a manual run (from the request the database holds), for the ledger. */
  readonly requestedBy?: string | null;
  /** Continue this run, which waited for approval and was approved, instead of starting one. */
  readonly resumeRunId?: string | null;
}

/** What the policy says at a gate: before anything runs (PREFLIGHT) and before anything is written (PACKAGE). */
export interface GateInput {
  /**
   * `fork`: before a single object of a fork's pull request is fetched (policy.forks and its
   * approval only); `preflight`: before anything runs; `package`: before anything is written.
   */
  readonly stage: "fork" | "preflight" | "package";
  readonly runId: string;
  readonly agentId: string;
  readonly confidence: number;
  readonly diagnosis: Diagnosis;
  /** Files the diagnosis blames (PREFLIGHT) or the diff changes (PACKAGE). */
  readonly paths: readonly string[];
  /** Whether push mode could commit onto the pull request's own branch. */
  readonly canPush: boolean;
  /** Someone other than Sentinel pushed to this failure's fix branch (its head is not a commit Sentinel pushed). */
  readonly humanOnFixBranch: boolean;
  readonly approved: boolean;
  /** The chosen agent is a model agent (llm-patch): at the package gate, its change is model-written. */
  readonly modelWritten?: boolean;
}

export type GateResult =
  | {
      readonly verdict: "allow";
      readonly action: "shadow" | "propose" | "push";
      readonly notes?: readonly string[];
      readonly blastRadius?: BlastRadius;
    }
  | { readonly verdict: "wait"; readonly rule: string; readonly message: string }
  | { readonly verdict: "deny"; readonly rule: string; readonly message: string };

export type FixGate = (input: GateInput) => Promise<GateResult>;

export interface FixDeps {
  readonly runs: RunStore;
  readonly mirrors: MirrorCache;
  readonly workRoot: string;
  readonly forge: FixForge;
  readonly agents: readonly Agent[];
  readonly rules: RuleSet;
  readonly sandbox: SandboxMode;
  /** `required`: no sandbox, no run. `preferred`: run without one, loudly. */
  readonly sandboxPolicy: "required" | "preferred";
  readonly logger: Logger;
  readonly author?: { name: string; email: string };
  readonly blastRadius?: BlastRadius;
  readonly errorBudget?: ErrorBudgetLimits;
  readonly readOnlyPaths?: readonly string[];
  readonly toolEnv?: Readonly<Record<string, string>>;
  /**
   * Where each repository keeps a dependency cache its fixers may write (npm, yarn, pip), so an
   * install downloads a package once, not on every run. Per repository: one repository's fixers
   * never see another's cache.
   */
  readonly dependencyCacheDir?: string;
  readonly leaseTtlMs?: number;
  /**
   * How long BOOTSTRAP waits for the lease when another run holds it before stopping as `locked`
   * (default 0: at once). A queue worker waits longer than the lease's TTL: the holder may be the
   * same job's earlier run whose worker was killed (the queue hands the job out again as soon as
   * its lock lapses, well before the dead run's lease does), and a job that stopped as `locked`
   * then would leave its failure unfixed for good.
   */
  readonly leaseWaitMs?: number;
  /** Where leases live: Redis when the deployment has it, else the database. */
  readonly leases?: Leases;
  readonly minConfidence?: number;
  readonly maxOutputBytes?: number;
  /** The repository's policy; without one every gate allows a proposal (the local CLI). */
  readonly gate?: FixGate;
  /** Where the run's classified output streams for people watching (the dashboard). */
  readonly live?: LiveFeed;
  /** The package registries a network step may reach through the egress proxy (none without it). */
  readonly egress?: EgressPolicy;
  /** Memory, processes, /tmp and disk per step (the sandbox's defaults without it). */
  readonly limits?: ResourceLimits;
  /** The whole run's deadline, across every step and retry (default DEFAULT_RUN_DEADLINE_S). */
  readonly runDeadlineMs?: number;
  /** A delegated cgroup v2 directory for step cgroups; false for rlimits only; absent to detect. */
  readonly cgroupRoot?: string | false;
}

export type FixStatus =
  | "proposed"
  | "pushed"
  | "shadow"
  | "waiting-approval"
  | "policy"
  | "nothing-to-fix"
  | "no-agent"
  | "verify-failed"
  | "blast-radius"
  | "diagnose-only"
  | "escalated"
  | "locked"
  | "no-sandbox"
  | "resource-limit"
  | "suggested"
  | "error";

export interface FixOutcome {
  readonly runId: string;
  readonly status: FixStatus;
  readonly reason: string;
  readonly agentId?: string;
  readonly branch?: string;
  readonly commit?: string;
  readonly pullRequest?: { number: number; url: string | null; created: boolean };
  /** What the policy let the run do, and which rule stopped or parked it. */
  readonly action?: "shadow" | "propose" | "push";
  readonly rule?: string;
  /** An escalated run that exceeded the error budget revoked its agent in the repository. */
  readonly revoked?: boolean;
  /** The verified change, for shadow runs that write nothing (and for the ledger). */
  readonly diff?: { files: readonly string[]; linesAdded: number; linesDeleted: number };
  /** Milliseconds per phase, for the benchmark and the ledger. */
  readonly phaseMs: Partial<Record<RunPhase | "DIAGNOSE", number>>;
}

export const DEFAULT_AUTHOR = { name: "sentinel[bot]", email: "sentinel-bot@users.noreply.invalid" };
/** How long a run's lease lasts without renewal (it is renewed every third of it). */
export const DEFAULT_LEASE_TTL_MS = 60_000;
