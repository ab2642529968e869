export { runFix, DEFAULT_LEASE_TTL_MS, commandFromStep, type FixDeps, type FixRequest, type FixOutcome, type FixStatus, type FixGate, type GateInput, type GateResult } from "./run-fix.js";
export { abandonDeadRuns, removeDeadRunWorktree, removeFinishedRunDirectories } from "./run-janitor.js";
export { LocalForge, type FixForge, type PullRequestRequest } from "./fix-forge.js";
export { blastRadiusViolation, ErrorBudget, DEFAULT_BLAST_RADIUS, DEFAULT_ERROR_BUDGET, type BlastRadius, type ErrorBudgetLimits, type InstructionPacket } from "./governance.js";
export { localFixDeps, type LocalFixOptions } from "./local-fix-deps.js";
export { databaseLeases, redisLeases, type Leases } from "./leases.js";
export { Trust, startTier, tierName, type TierState } from "./trust.js";
