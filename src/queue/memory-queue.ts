import { isRetried, SentinelError } from "../core/index.js";
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  type BulkJob,
  type JobDataByName,
  type JobHandlers,
  type JobInfo,
  type JobName,
  type JobQueue,
  type QueueCounts,
} from "./job-queue.js";

interface Pending {
  readonly name: JobName;
  readonly data: JobDataByName[JobName];
  readonly jobId: string;
  attempt: number;
  readyAt: number;
}

/** How many finished job ids are remembered for idempotency (BullMQ keeps completed jobs similarly). */
const REMEMBERED_IDS = 10_000;

/**
 * The in-process queue used when no REDIS_URL is set: the same contract as the BullMQ queue
 * (idempotent ids, retries with exponential backoff, concurrency), without durability. Jobs lost
 * with the process are recovered from the store's record of unqueued deliveries.
 */
export class MemoryQueue implements JobQueue {
  readonly kind = "in-process" as const;
  private readonly waiting: Pending[] = [];
  private readonly known = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private handlers: JobHandlers | null = null;
  private running = 0;
  private failed = 0;
  private concurrency = 1;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly options: {
      attempts?: number;
      backoffMs?: number;
      onError?: (error: unknown, job: { name: JobName; jobId: string; attempt: number }) => void;
    } = {},
  ) {}

  async add<N extends JobName>(name: N, data: JobDataByName[N], { jobId }: { jobId: string }): Promise<void> {
    if (this.closed)
      throw new SentinelError("E_QUEUE_CLOSED", "the queue is closed: add jobs before closing it, or start a new one");
    if (this.known.has(jobId)) return;
    this.remember(jobId);
    this.waiting.push({ name, data, jobId, attempt: 1, readyAt: Date.now() });
    this.pump();
  }

  async addBulk(jobs: readonly BulkJob[]): Promise<void> {
    // Through `add`, so a job here behaves exactly as one added alone.
    for (const j of jobs) await this.add(j.name, j.data as never, { jobId: j.jobId });
  }

  start(handlers: JobHandlers, options: { concurrency?: number } = {}): void {
    this.handlers = handlers;
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.pump();
  }

  async idle(timeoutMs = 30_000): Promise<void> {
    if (this.isIdle()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new SentinelError(
              "E_QUEUE_NOT_IDLE",
              `queue not idle after ${timeoutMs} ms: a job is still running or waiting for a retry`,
            ),
          ),
        timeoutMs,
      );
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async depth(): Promise<number> {
    return this.waiting.length + this.timers.size;
  }

  async counts(): Promise<QueueCounts> {
    return { waiting: this.waiting.length, active: this.running, delayed: this.timers.size, failed: this.failed };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.waiting.length = 0;
  }

  private remember(jobId: string): void {
    this.known.add(jobId);
    if (this.known.size > REMEMBERED_IDS) this.known.delete(this.known.values().next().value as string);
  }

  private isIdle(): boolean {
    return this.waiting.length === 0 && this.running === 0 && this.timers.size === 0;
  }

  private pump(): void {
    const handlers = this.handlers;
    if (!handlers || this.closed) return;
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift() as Pending;
      this.running++;
      const handler = handlers[job.name] as (data: unknown, info: JobInfo) => Promise<void>;
      void handler(job.data, { attempt: job.attempt, jobId: job.jobId, readyAt: job.readyAt })
        // Reported through options.onError and counted as failed in `retry`.
        .catch((error: unknown) => this.retry(job, error))
        .finally(() => {
          this.running--;
          this.pump();
          if (this.isIdle()) for (const w of this.idleWaiters.splice(0)) w();
        });
    }
  }

  private retry(job: Pending, error: unknown): void {
    this.options.onError?.(error, { name: job.name, jobId: job.jobId, attempt: job.attempt });
    // An unrecoverable error (see core's outcome table) fails the job on its first attempt.
    if (!isRetried(error) || job.attempt >= (this.options.attempts ?? DEFAULT_ATTEMPTS) || this.closed) {
      this.failed++;
      return;
    }
    const delay = (this.options.backoffMs ?? DEFAULT_BACKOFF_MS) * 2 ** (job.attempt - 1);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      job.attempt++;
      job.readyAt = Date.now();
      this.waiting.push(job);
      this.pump();
    }, delay);
    this.timers.add(timer);
  }
}
