import type { Diagnosis } from "../sentinel/index.js";
import type { Database } from "./database.js";
import * as q from "./diagnosis-queries.js";
import type { FailureRecord, FingerprintHistory, Forge, StoredFailure } from "./records.js";

export interface StoredDiagnosis {
  failure: StoredFailure;
  diagnosis: Diagnosis;
  flaky: boolean;
}

/** The diagnosis of each failure, and what a fingerprint's history says. SQL in diagnosis-queries.ts. */
export class DiagnosisStore {
  constructor(private readonly db: Database) {}

  async save(failure: FailureRecord, d: Diagnosis, flaky: boolean): Promise<void> {
    return q.saveDiagnosis(this.db, failure, d, flaky);
  }

  async get(failureKey: string): Promise<{ diagnosis: Diagnosis; flaky: boolean } | null> {
    return q.getDiagnosis(this.db, failureKey);
  }

  async fingerprintHistory(forge: Forge, repo: string, fingerprint: string): Promise<FingerprintHistory> {
    return q.fingerprintHistory(this.db, forge, repo, fingerprint);
  }

  async forPullRequest(forge: Forge, repo: string, prNumber: number): Promise<StoredDiagnosis[]> {
    return q.diagnosesForPullRequest(this.db, forge, repo, prNumber);
  }

  async onCommit(forge: Forge, repo: string, sha: string): Promise<StoredDiagnosis[]> {
    return q.diagnosesOnCommit(this.db, forge, repo, sha);
  }
}
