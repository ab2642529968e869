import { jsonForPostgres } from "../ledger/index.js";
import type { DeliveryRecord, Forge, PullRequestRef, StoredFailure } from "./records.js";

// How Store's rows are read and written: kept apart from the queries so the store stays readable.

export function toFailure(r: Record<string, unknown>): StoredFailure {
  return {
    failureKey: String(r.failure_key),
    forge: r.forge as Forge,
    source: String(r.source),
    repo: String(r.repo),
    repoId: String(r.repo_id),
    installationId: (r.installation_id as string | null) ?? null,
    sha: String(r.sha),
    ref: (r.ref as string | null) ?? null,
    jobId: (r.job_id as string | null) ?? null,
    jobName: String(r.job_name),
    runId: (r.run_id as string | null) ?? null,
    runAttempt: r.run_attempt === null || r.run_attempt === undefined ? null : Number(r.run_attempt),
    jobUrl: (r.job_url as string | null) ?? null,
    pullRequests: (r.pull_requests as PullRequestRef[]) ?? [],
    fromFork: Boolean(r.from_fork),
    context: (r.context as Record<string, unknown>) ?? {},
    firstDelivery: String(r.first_delivery),
    status: r.status as StoredFailure["status"],
    error: (r.error as string | null) ?? null,
    reportedAt: (r.reported_at as Date | null) ?? null,
  };
}

/**
 * A delivery's payload as JSON text that jsonb would accept too. The column is json (kept as text),
 * but what the worker reads back from it flows into jsonb columns and text fields, where a NUL or a
 * lone surrogate is refused; so the text as received is used when it holds none of those, and
 * otherwise the payload is serialised with them replaced (jsonForPostgres).
 */
export function storablePayload(d: DeliveryRecord): string {
  if (d.payloadText !== undefined && !JSONB_REFUSES.test(d.payloadText)) return d.payloadText;
  return jsonForPostgres(d.payload);
}

/**
 * A backslash-u escape of NUL or of a surrogate, a raw NUL, or an unpaired surrogate. A false alarm
 * (an escaped backslash before "u0000", an escaped surrogate pair) only costs the slower path.
 */
const JSONB_REFUSES =
  /\\u(?:0000|[dD][89a-fA-F])|\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
