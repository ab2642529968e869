export type { Database, Queryable } from "./database.js";
export { openDatabase, type OpenDatabaseOptions } from "./open-database.js";
export { migrate } from "./migrate.js";
export { pendingMigrations } from "./schema-version.js";
export { StoreSetupError, type StoreSetupCode } from "./store-setup-error.js";
export { RunStore, type RunPhase, type StoredPullRequest } from "./run-store.js";
export { Store } from "./store.js";
export { DeliveryStore, type StoredDelivery } from "./delivery-store.js";
export { InstallationStore } from "./installation-store.js";
export { FailureStore } from "./failure-store.js";
export { DiagnosisStore, type StoredDiagnosis } from "./diagnosis-store.js";
export { PullRequestStore } from "./pull-request-store.js";
export { ModelStore, type ModelPatchRow, type ModelSpend } from "./model-store.js";
export type {
  DeliveryRecord,
  FailureRecord,
  StoredFailure,
  PullRequestRef,
  Forge,
  FingerprintHistory,
} from "./records.js";
export {
  GovernanceStore,
  type AgentTier,
  type Approval,
  type ApprovalStatus,
  type FixDecisionRecord,
} from "./governance-store.js";
export { withLease } from "./with-lease.js";
