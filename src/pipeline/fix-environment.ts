import type { LlmSettings } from "../agents/index.js";
import type { LiveFeed } from "../live/index.js";
import type { EgressPolicy, ResourceLimits, SandboxMode, Toolchains } from "../sandbox/index.js";
import type { MirrorCache } from "../workspace/index.js";
import type { Leases } from "./leases.js";

/** What a worker needs to run fix pipelines (absent: the worker only diagnoses). */
export interface FixEnvironment {
  readonly mirrors: MirrorCache;
  readonly workRoot: string;
  readonly sandbox: SandboxMode;
  readonly sandboxPolicy: "required" | "preferred";
  readonly toolchains: Toolchains;
  readonly dependencyCacheDir?: string;
  /** Redis leases when the deployment has Redis; the database's otherwise. */
  readonly leases?: Leases;
  /** Where runs stream their classified output for the dashboard. */
  readonly live?: LiveFeed;
  /** The registries network steps may reach (SENTINEL_EGRESS_ALLOW); none without it. */
  readonly egress?: EgressPolicy;
  /** Per-step limits and the run deadline (SENTINEL_STEP_*, SENTINEL_RUN_DEADLINE_S). */
  readonly limits?: ResourceLimits;
  readonly runDeadlineMs?: number;
  readonly cgroupRoot?: string;
  /** The llm-patch agent's endpoint (SENTINEL_LLM_*); absent, no model is ever asked. */
  readonly llm?: LlmSettings;
}
