import { Queue, UnrecoverableError as BullUnrecoverableError, Worker, type ConnectionOptions } from "bullmq";
import { Redis } from "ioredis";
import { isRetried, logToStderr, SentinelError, UnrecoverableError, type OnError } from "../core/index.js";
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

export interface BullQueueOptions {
  readonly redisUrl: string;
  readonly queueName?: string;
  /** Redis key prefix, so tests and deployments can share one Redis. */
  readonly prefix?: string;
  readonly attempts?: number;
  readonly backoffMs?: number;
  readonly onError?: (error: unknown, job: { name: string; jobId: string; attempt: number }) => void;
  /**
   * Errors of the Redis connections (queue, worker, readiness probe): Redis going away, refusing
   * the password. BullMQ reconnects by itself; this is how the log learns of it. Default: stderr.
   */
  readonly onConnectionError?: OnError;
  /**
   * How long a worker's lock on a job lasts without renewal, and how often workers look for jobs
   * whose lock lapsed (their worker died): such a job goes back to the queue. BullMQ's defaults
   * (30 s each) suit production; tests shorten them.
   */
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  /**
   * How many times a job whose worker died goes back to the queue before it fails for good.
   * BullMQ's default (1) failed a job the second time its worker died (two deploys or evictions
   * in a row), leaving its failure undiagnosed or unfixed for good; Sentinel's jobs are safe to run
   * again, so they get as many lives as attempts (default 5).
   */
  readonly maxStalledCount?: number;
}

/**
 * BullMQ on Redis: durable across restarts; a job whose worker dies is found stalled and run
 * again (BullMQ's lock and stalled-job check); finished ids are kept a day so re-adding one is a no-op.
 */
export class BullQueue implements JobQueue {
  readonly kind = "bullmq" as const;
  private readonly queue: Queue;
  private worker: Worker | null = null;
  private readonly connection: ConnectionOptions;
  private probe: Redis | null = null;

  constructor(private readonly options: BullQueueOptions) {
    this.connection = connectionFromUrl(options.redisUrl);
    this.queue = new Queue(options.queueName ?? "sentinel", {
      connection: this.connection,
      ...(options.prefix ? { prefix: options.prefix } : {}),
      defaultJobOptions: {
        attempts: options.attempts ?? DEFAULT_ATTEMPTS,
        backoff: { type: "exponential", delay: options.backoffMs ?? DEFAULT_BACKOFF_MS },
        removeOnComplete: { age: 24 * 3600, count: 50_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
    this.queue.on("error", (error) => this.connectionError(error, "BullMQ queue connection"));
  }

  async add<N extends JobName>(name: N, data: JobDataByName[N], { jobId }: { jobId: string }): Promise<void> {
    await this.queue.add(name, data, { jobId });
  }

  async addBulk(jobs: readonly BulkJob[]): Promise<void> {
    if (jobs.length === 0) return;
    // One pipelined round trip to Redis; each job runs the same add script as `add` (so an id
    // Redis already has stays a no-op) with the queue's default options.
    await this.queue.addBulk(jobs.map((j) => ({ name: j.name, data: j.data, opts: { jobId: j.jobId } })));
  }

  start(handlers: JobHandlers, options: { concurrency?: number } = {}): void {
    this.worker = new Worker(
      this.queue.name,
      async (job) => {
        const handler = handlers[job.name as JobName] as ((data: unknown, info: JobInfo) => Promise<void>) | undefined;
        // A retry's wait is its backoff, not queue latency: only first attempts have a meaningful readyAt.
        const readyAt =
          job.attemptsMade === 0 ? job.timestamp + (job.opts.delay ?? 0) : (job.processedOn ?? Date.now());
        try {
          if (!handler)
            throw new UnrecoverableError(
              "E_QUEUE_NO_HANDLER",
              `no handler for job "${job.name}": this worker is older than the job's producer; deploy the same version to both`,
            );
          await handler(job.data, { attempt: job.attemptsMade + 1, jobId: job.id ?? "", readyAt });
        } catch (error) {
          throw toBullError(error);
        }
      },
      {
        connection: this.connection,
        concurrency: options.concurrency ?? 4,
        ...(this.options.prefix ? { prefix: this.options.prefix } : {}),
        ...(this.options.lockDurationMs ? { lockDuration: this.options.lockDurationMs } : {}),
        ...(this.options.stalledIntervalMs ? { stalledInterval: this.options.stalledIntervalMs } : {}),
        maxStalledCount: this.options.maxStalledCount ?? this.options.attempts ?? DEFAULT_ATTEMPTS,
      },
    );
    this.worker.on("failed", (job, error) =>
      this.options.onError?.(fromBullError(error), {
        name: job?.name ?? "?",
        jobId: job?.id ?? "?",
        attempt: job?.attemptsMade ?? 0,
      }),
    );
    this.worker.on("error", (error) => this.connectionError(error, "BullMQ worker connection"));
  }

  async idle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const c = await this.queue.getJobCounts("waiting", "active", "delayed", "prioritized", "waiting-children");
      if (Object.values(c).every((n) => n === 0)) return;
      if (Date.now() > deadline)
        throw new SentinelError(
          "E_QUEUE_NOT_IDLE",
          `queue not idle after ${timeoutMs} ms: ${JSON.stringify(c)}; a job is still running or waiting for a retry`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async depth(): Promise<number> {
    const c = await this.queue.getJobCounts("waiting", "delayed", "prioritized");
    return Object.values(c).reduce((a, b) => a + b, 0);
  }

  async counts(): Promise<QueueCounts> {
    const c = await this.queue.getJobCounts("waiting", "prioritized", "active", "delayed", "failed");
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      failed: c.failed ?? 0,
    };
  }

  async ping(): Promise<void> {
    // Its own client that fails fast: BullMQ's connections retry forever, which a probe must not.
    this.probe ??= new Redis(this.options.redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      enableOfflineQueue: false,
    });
    if (this.probe.listenerCount("error") === 0)
      this.probe.on("error", (error) => this.connectionError(error, "Redis readiness probe"));
    if (this.probe.status === "wait" || this.probe.status === "end") await this.probe.connect();
    await this.probe.ping();
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    this.probe?.disconnect();
  }

  private connectionError(error: unknown, context: string): void {
    (this.options.onConnectionError ?? logToStderr)(error, context);
  }

  /** Removes every key of this queue (tests). */
  async obliterate(): Promise<void> {
    await this.queue.obliterate({ force: true });
  }
}

/** Redis connection settings from a redis:// or rediss:// URL (user, password, db, TLS). */
export function redisConnectionFromUrl(url: string): ConnectionOptions & { host: string; port: number } {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    ...(u.protocol === "rediss:" ? { tls: {} } : {}),
  };
}

/**
 * BullMQ fails a job without retrying only when it sees its own UnrecoverableError (by class or
 * name); ours, and any error the outcome table says no retry can fix, become one here. The
 * original rides along as `cause` so the failure is reported as thrown.
 */
function toBullError(error: unknown): unknown {
  if (isRetried(error)) return error;
  const bull = new BullUnrecoverableError(error instanceof Error ? error.message : String(error));
  bull.cause = error;
  return bull;
}

function fromBullError(error: Error): unknown {
  return error instanceof BullUnrecoverableError && error.cause !== undefined ? error.cause : error;
}

function connectionFromUrl(url: string): ConnectionOptions {
  // BullMQ workers block on Redis; retrying forever (the default) is what a worker wants.
  return { ...redisConnectionFromUrl(url), maxRetriesPerRequest: null };
}
