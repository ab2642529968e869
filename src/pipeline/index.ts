export { runFix, commandFromStep } from "./run-fix.js";
export { fixBranchName } from "./fix-branch.js";
export {
  DEFAULT_LEASE_TTL_MS,
  type FixDeps,
  type FixRequest,
  type FixOutcome,
  type FixStatus,
  type FixGate,
  type GateInput,
  type GateResult,
} from "./fix-types.js";
export { fixFailure, type FixJobDeps } from "./fix-job.js";
export type { FixEnvironment } from "./fix-environment.js";
export { abandonDeadRuns, removeDeadRunWorktree, removeFinishedRunDirectories } from "./run-janitor.js";
export {
  blastRadiusViolation,
  ErrorBudget,
  DEFAULT_BLAST_RADIUS,
  DEFAULT_ERROR_BUDGET,
  type BlastRadius,
  type ErrorBudgetLimits,
  type InstructionPacket,
} from "./governance.js";
export { localFixDeps, type LocalFixOptions } from "./local-fix-deps.js";
export { localGate } from "./local-gate.js";
export { repoAgents } from "./repo-agents.js";
export { databaseLeases, redisLeases, type Leases } from "./leases.js";
export { Trust, startTier, tierName, type TierState } from "./trust.js";
export { withModelAgent, installationKey, type ModelAgentSetup } from "./model-agent.js";
