import type { Database } from "./database.js";
import { DeliveryStore } from "./delivery-store.js";
import { DiagnosisStore } from "./diagnosis-store.js";
import { FailureStore } from "./failure-store.js";
import { GovernanceStore } from "./governance-store.js";
import { InstallationStore } from "./installation-store.js";
import { ModelStore } from "./model-store.js";
import { PullRequestStore } from "./pull-request-store.js";
import { RunStore } from "./run-store.js";

/**
 * The stores, one per aggregate, over one database. The composition root builds this once and
 * hands each part on; nothing else constructs a store, so every caller shares the same ones.
 */
export class Store {
  readonly deliveries: DeliveryStore;
  readonly installations: InstallationStore;
  readonly failures: FailureStore;
  readonly diagnoses: DiagnosisStore;
  readonly pullRequests: PullRequestStore;
  /** Fix runs, their phases and leases. */
  readonly runs: RunStore;
  /** Approvals, tiers, pauses and decisions. */
  readonly gov: GovernanceStore;
  /** The llm-patch agent's verified patches and the model runs its budgets count. */
  readonly models: ModelStore;

  constructor(readonly db: Database) {
    this.deliveries = new DeliveryStore(db);
    this.installations = new InstallationStore(db);
    this.failures = new FailureStore(db);
    this.diagnoses = new DiagnosisStore(db);
    this.pullRequests = new PullRequestStore(db);
    this.runs = new RunStore(db);
    this.gov = new GovernanceStore(db);
    this.models = new ModelStore(db);
  }
}
