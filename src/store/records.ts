// What the store keeps about deliveries and failures, as the rest of Sentinel reads it.

import type { FailureRecord, ForgeId, PullRequestRef } from "../core/index.js";

// The domain types live in core; these names stay for the store's callers.
export type { FailureRecord, PullRequestRef };
export type Forge = ForgeId;

export interface DeliveryRecord {
  readonly deliveryKey: string;
  readonly forge: Forge;
  readonly event: string;
  readonly action?: string | null;
  readonly installationId?: string | null;
  readonly repo?: string | null;
  readonly payload: unknown;
  /**
   * The payload's JSON text exactly as it arrived, when the caller has it: stored as it is (when
   * PostgreSQL can keep it) instead of serialising `payload` again, which costs as much as parsing.
   */
  readonly payloadText?: string;
}

export interface StoredFailure extends FailureRecord {
  readonly status: "pending" | "diagnosed" | "ignored" | "error";
  readonly error: string | null;
  /** When its annotations went onto the commit's report (they are added once). */
  readonly reportedAt: Date | null;
}

export interface FingerprintHistory {
  readonly occurrences: number;
  readonly commits: number;
  readonly firstSeen: Date | null;
  readonly otherRepos: number;
}
