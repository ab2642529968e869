export type { Database, Queryable } from "./database.js";
export { openDatabase, type OpenDatabaseOptions } from "./open-database.js";
export { migrate } from "./migrate.js";
export { pendingMigrations } from "./schema-version.js";
export { StoreSetupError, type StoreSetupCode } from "./store-setup-error.js";
export { RunStore, type RunPhase, type StoredPullRequest } from "./run-store.js";
export { Store, type DeliveryRecord, type FailureRecord, type StoredFailure, type PullRequestRef, type Forge, type FingerprintHistory } from "./store.js";
export { KeyedMutex } from "./keyed-mutex.js";
export { GovernanceStore, type AgentTier, type Approval, type ApprovalStatus, type FixDecisionRecord } from "./governance-store.js";
