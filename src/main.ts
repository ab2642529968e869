import type { Server } from "node:http";
import type { Logger } from "pino";
import type { Probot } from "probot";
import { parseEnv, type ParsedEnv } from "./config/index.js";
import { VERSION } from "./core/index.js";
import { decideFromChat, startDeliveryLedger, type WorkerDeps } from "./ingest/index.js";
import { startCheckpointer, startRefusalTally } from "./ledger/index.js";
import { MemoryLiveFeed, RedisLiveFeed, type LiveFeed } from "./live/index.js";
import { createMetrics } from "./metrics/index.js";
import { redisLeases } from "./pipeline/index.js";
import type { JobQueue } from "./queue/index.js";
import { createHttpServer, type Middleware } from "./server/index.js";
import { slackFromEnv } from "./slack/index.js";
import {
  checkRedis,
  closeServer,
  createForges,
  createLogger,
  createQueue,
  fixingFromConfig,
  gitlabHookFromConfig,
  openStoreDatabase,
  recordedChat,
  startErrorLine,
  startGithubApp,
} from "./startup/index.js";
import { Store, type Database } from "./store/index.js";
import { startWorker } from "./worker/index.js";
import { createDashboard } from "./dashboard/index.js";

export interface Running {
  readonly port: number;
  readonly store: Store;
  readonly queue: JobQueue;
  readonly probot: Probot | null;
  /** Running pipelines' classified output (what the dashboard's live view follows). */
  readonly live: LiveFeed;
  /** Writes what waits for the ledger now: accepted deliveries not yet entries, the refused deliveries' tally. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export type Role = ParsedEnv["SENTINEL_ROLE"];

interface Overrides {
  fetch?: typeof fetch;
  logStream?: NodeJS.WritableStream;
  /** False only against a fake GitHub API: Octokit then sends a comment without waiting 3 s after the last. */
  paceGithubWrites?: boolean;
}

/**
 * Composition root: the one place that reads the environment, through the schema (parseEnv), so
 * a bad value stops start-up naming the variable before anything opens. With nothing configured
 * it runs on embedded defaults (PGlite in .sentinel/, the in-process queue, no forge) and still
 * serves /healthz. SENTINEL_ROLE picks what this process does: `server` (webhooks only), `worker`
 * (queue jobs only), or `all` (both, the default).
 */
export async function startFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Overrides = {}): Promise<Running> {
  const config = parseEnv(env);
  const logger = createLogger(config, overrides.logStream);
  // Before anything opens: BullMQ would retry a wrong REDIS_URL forever instead of saying so.
  if (config.REDIS_URL) await checkRedis(config.REDIS_URL);
  const db = await openStoreDatabase(config);
  try {
    return await startOn(config, db, logger, overrides);
  } catch (error) {
    // Start-up's own error is the one to report; a database that then fails to close adds nothing.
    await db.close().catch(() => undefined);
    throw error;
  }
}

type Services = Awaited<ReturnType<typeof startServices>>;

/** The queue, the forges' webhooks and clients, the live feed, and (for workers) the fix environment. */
async function startServices(config: ParsedEnv, db: Database, logger: Logger, overrides: Overrides) {
  const store = new Store(db);
  const queue = createQueue(config, logger);
  const metrics = createMetrics({ queue });
  const ingestDeps = { store, queue, logger, metrics };
  const { probot, github } = await startGithubApp(config, ingestDeps);
  const gitlab = gitlabHookFromConfig(config, ingestDeps);
  const forges = createForges(config, probot, logger, db, overrides.fetch, overrides.paceGithubWrites);
  // An empty prefix means the default, the same for the queue, leases and the live feed.
  const prefix = config.SENTINEL_QUEUE_PREFIX ?? "sentinel";
  // Separate processes share a run's live output through Redis; one process keeps it in memory.
  const live = config.REDIS_URL
    ? new RedisLiveFeed(config.REDIS_URL, prefix, undefined, (err, context) =>
        logger.error({ err }, `Redis (REDIS_URL), live feed: ${context}`),
      )
    : new MemoryLiveFeed();
  const leases = config.REDIS_URL ? await redisLeases(config.REDIS_URL, `${prefix}:lease:`) : null;
  const runsJobs = config.SENTINEL_ROLE !== "server";
  const fixing = fixingFromConfig(config, { runsJobs, logger, live, leases });
  return { store, queue, metrics, probot, github, gitlab, forges, live, leases, fixing };
}

/** The worker (for roles that run jobs), Slack, and the ledger's checkpoints. */
function startWork(config: ParsedEnv, db: Database, logger: Logger, s: Services) {
  // Slack's buttons decide approvals through the same dependencies the worker uses (bound late:
  // the worker's notifier is Slack itself).
  let workerDeps: WorkerDeps | null = null;
  const slackEnv = {
    SLACK_SIGNING_SECRET: config.SLACK_SIGNING_SECRET,
    SLACK_BOT_TOKEN: config.SLACK_BOT_TOKEN,
    SLACK_API_URL: config.SLACK_API_URL,
  };
  const slack = slackFromEnv(slackEnv, logger, (d) =>
    workerDeps
      ? decideFromChat(workerDeps, d)
      : Promise.resolve({ ok: false, message: "Sentinel is starting; try again" }),
  );
  workerDeps = {
    store: s.store,
    queue: s.queue,
    forges: s.forges,
    logger,
    metrics: s.metrics,
    fixing: s.fixing,
    ...(slack ? { chat: recordedChat(slack, db) } : {}),
    ...(config.GITLAB_PROJECTS.length > 0 ? { gitlabProjects: new Set(config.GITLAB_PROJECTS) } : {}),
    ...(config.APP_ID !== undefined ? { githubAppId: config.APP_ID } : {}),
  };
  const runsJobs = config.SENTINEL_ROLE !== "server";
  const worker = runsJobs
    ? startWorker(workerDeps, {
        concurrency: config.SENTINEL_WORKER_CONCURRENCY,
        deliveryRetentionDays: config.SENTINEL_DELIVERY_RETENTION_DAYS,
      })
    : null;
  // Workers write the ledger; each keeps the chain head outside the database (the log, a file, a collector).
  const checkpointer = runsJobs
    ? startCheckpointer(db, {
        ...(config.SENTINEL_LEDGER_CHECKPOINT ? { file: config.SENTINEL_LEDGER_CHECKPOINT } : {}),
        ...(config.SENTINEL_LEDGER_CHECKPOINT_URL ? { url: config.SENTINEL_LEDGER_CHECKPOINT_URL } : {}),
        ...(config.SENTINEL_LEDGER_CHECKPOINT_TOKEN ? { token: config.SENTINEL_LEDGER_CHECKPOINT_TOKEN } : {}),
        intervalMs: config.SENTINEL_LEDGER_CHECKPOINT_INTERVAL_MS,
        logger,
      })
    : null;
  return { slack, worker, checkpointer };
}

async function startOn(config: ParsedEnv, db: Database, logger: Logger, overrides: Overrides): Promise<Running> {
  const s = await startServices(config, db, logger, overrides);
  const { slack, worker, checkpointer } = startWork(config, db, logger, s);
  const { store, queue, live } = s;
  const token = config.SENTINEL_DASHBOARD_TOKEN;
  const queuePrefix = config.SENTINEL_QUEUE_PREFIX;
  const dashboard = token
    ? createDashboard({
        store,
        queue,
        logger,
        live,
        token,
        ...(config.REDIS_URL ? { redisUrl: config.REDIS_URL } : {}),
        ...(queuePrefix ? { queuePrefix } : {}),
      })
    : undefined;
  if (!dashboard) logger.info("dashboard off (SENTINEL_DASHBOARD_TOKEN unset)");
  const mode = {
    role: config.SENTINEL_ROLE,
    github: s.github ? "on" : "off",
    gitlab: s.gitlab ? "on" : "off",
    slack: slack ? "on" : "off",
    queue: queue.kind === "bullmq" ? "redis" : "in-process",
    store: db.kind === "postgres" ? "postgres" : "pglite",
  };
  // Refused deliveries go to the ledger counted per minute, not one entry each (see startRefusalTally);
  // accepted ones in batches, right after they are recorded (startDeliveryLedger).
  const refusals = startRefusalTally(db, { logger });
  const acceptances = startDeliveryLedger(store, { logger });
  const server = createHttpServer({
    logger,
    metrics: s.metrics,
    onRefused: (r) => refusals.add(r),
    ...bodyLimits(config),
    version: VERSION,
    mode,
    readiness: [
      { name: "database", check: async () => void (await db.query("SELECT 1")) },
      { name: "queue", check: () => queue.ping() },
    ],
    ...(s.github && config.WEBHOOK_SECRET ? { github: s.github, githubWebhookSecret: config.WEBHOOK_SECRET } : {}),
    ...(s.gitlab ? { gitlab: s.gitlab } : {}),
    ...(slack ? { slack: slack.middleware as Middleware } : {}),
    ...(dashboard ? { dashboard } : {}),
  });
  const port = await listen(server, config.PORT, config.HOST);
  logger.info({ url: `http://${config.HOST}:${port}`, mode }, "sentinel is listening");
  return {
    port,
    store,
    queue,
    probot: s.probot,
    live,
    flush: async () => {
      await acceptances.flush();
      await refusals.flush();
    },
    async close() {
      worker?.stop();
      await checkpointer?.stop();
      await slack?.close();
      s.leases?.close();
      // Open live views would keep the server from closing.
      await dashboard?.close();
      await live.close();
      await closeServer(server);
      await acceptances.stop();
      await refusals.stop();
      await queue.close();
      await db.close();
    },
  };
}

/** Listens and answers the port actually bound (PORT=0 picks a free one). */
async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  return typeof address === "object" && address ? address.port : port;
}

/**
 * The webhook server's limits on slow or large bodies an operator may need to change: a proxy in
 * front whose X-Forwarded-For names clients (else they all share its address, and one share of
 * the body budget), the body deadline and minimum rate.
 */
function bodyLimits(config: ParsedEnv): {
  trustedProxies?: string[];
  bodyDeadlineMs?: number;
  bodyMinBytesPerSecond?: number;
} {
  const {
    SENTINEL_TRUSTED_PROXIES: proxies,
    SENTINEL_BODY_DEADLINE_MS: deadline,
    SENTINEL_BODY_MIN_RATE: rate,
  } = config;
  return {
    ...(proxies.length > 0 ? { trustedProxies: proxies } : {}),
    ...(deadline ? { bodyDeadlineMs: deadline } : {}),
    ...(rate !== undefined ? { bodyMinBytesPerSecond: rate } : {}),
  };
}

const invokedDirectly = import.meta.url === `file://${process.argv[1]}`;
if (invokedDirectly) {
  try {
    const running = await startFromEnv();
    for (const signal of ["SIGINT", "SIGTERM"] as const)
      process.once(signal, () => void running.close().then(() => process.exit(0)));
  } catch (error) {
    // A start-up error Sentinel raised on purpose says what to do in one line; anything else keeps its stack.
    const line = startErrorLine(error);
    if (!line) throw error;
    process.stderr.write(`${line}\n`);
    process.exit(1);
  }
}
