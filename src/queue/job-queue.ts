/** The work Sentinel queues: a recorded delivery to read, a failure to diagnose, a failure to fix. */
export interface JobDataByName {
  delivery: { deliveryKey: string };
  diagnose: { failureKey: string };
  /**
   * Ids only: `requestId` names a person's fix request (fix_requests), `resumeRunId` a run that
   * waited for approval. Whether either permits anything (who asked, who approved) is read from
   * the database, where only the command and chat handlers write it: anyone who can reach Redis
   * can write job data. No secrets ever go into job data.
   */
  fix: { failureKey: string; requestId?: string; resumeRunId?: string };
}
export type JobName = keyof JobDataByName;

/** One job of an addBulk: its name, data and idempotency id. */
export type BulkJob = {
  [N in JobName]: { readonly name: N; readonly data: JobDataByName[N]; readonly jobId: string };
}[JobName];

/** What a handler learns about its job: which attempt this is, and since when it was ready to run (queue latency). */
export interface JobInfo {
  readonly attempt: number;
  readonly jobId: string;
  readonly readyAt: number;
}

export type JobHandlers = { [N in JobName]: (data: JobDataByName[N], info: JobInfo) => Promise<void> };

/** Jobs by state, for metrics and autoscaling (waiting = ready and not yet taken). */
export interface QueueCounts {
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly failed: number;
}

export interface JobQueue {
  readonly kind: "bullmq" | "in-process";
  /**
   * Queues a job. The id makes it idempotent: adding an id that is waiting, running or recently
   * finished does nothing.
   */
  add<N extends JobName>(name: N, data: JobDataByName[N], options: { jobId: string }): Promise<void>;
  /**
   * Queues several jobs in one round trip, each exactly as `add` would (an id the queue already
   * has is a no-op). Not atomic: after a failure some of them may be queued.
   */
  addBulk(jobs: readonly BulkJob[]): Promise<void>;
  /** Starts processing in this process. Failed jobs are retried with exponential backoff. */
  start(handlers: JobHandlers, options?: { concurrency?: number }): void;
  /** Resolves when nothing is waiting, delayed or running (for tests and the demo). */
  idle(timeoutMs?: number): Promise<void>;
  /** Jobs waiting or delayed. */
  depth(): Promise<number>;
  counts(): Promise<QueueCounts>;
  /** Throws when the queue's backend is unreachable (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_ATTEMPTS = 5;
export const DEFAULT_BACKOFF_MS = 1000;

/** Job ids are built from delivery and failure keys; BullMQ reserves ':' in ids. */
export function safeJobId(name: JobName, key: string): string {
  return `${name}__${key.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`)}`;
}
