import path from "node:path";
import type { Server } from "node:http";
import { pino, type Logger } from "pino";
import { describeLimitEnforcement, detectSandbox, detectToolchains, egressFromEnv, limitsFromEnv } from "./sandbox/index.js";
import { MirrorCache } from "./workspace/index.js";
import { redisLeases } from "./pipeline/index.js";
import { createNodeMiddleware, createProbot, type Probot } from "probot";
import { createSentinelApp } from "./app.js";
import { VERSION } from "./core/index.js";
import { createGithubClients, githubApiBaseUrl, GitlabFixForge, GitlabForge, recordedClient } from "./forge/index.js";
import { decideFromChat, startDeliveryLedger, type ChatNotifier, type Forges, type WorkerDeps } from "./ingest/index.js";
import { slackFromEnv } from "./slack/index.js";
import { BullQueue, MemoryQueue, type JobQueue } from "./queue/index.js";
import { createHttpServer, type Middleware } from "./server/index.js";
import { createGitlabWebhook } from "./server/gitlab-webhook.js";
import { gitlabSecretsFromEnv } from "./server/gitlab-secrets.js";
import { openDatabase, Store, type Database } from "./store/index.js";
import { startWorker } from "./worker/start-worker.js";
import { createDashboard } from "./dashboard/index.js";
import { MemoryLiveFeed, RedisLiveFeed, type LiveFeed } from "./live/index.js";
import { appendLedger, currentCause, startCheckpointer, startRefusalTally } from "./ledger/index.js";
import { createMetrics } from "./metrics/index.js";

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

export type Role = "all" | "server" | "worker";

/**
 * Composition root: the one place that reads the environment. With nothing configured it runs on
 * embedded defaults (PGlite in .sentinel/, the in-process queue, no forge) and still serves
 * /healthz. SENTINEL_ROLE picks what this process does: `server` (webhooks only), `worker`
 * (queue jobs only), or `all` (both, the default).
 */
export async function startFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: { fetch?: typeof fetch; logStream?: NodeJS.WritableStream } = {}): Promise<Running> {
  const logger = pino(
    { level: env.LOG_LEVEL ?? "info", redact: { paths: ["req.headers.authorization", "req.headers['x-hub-signature-256']", "req.headers['x-gitlab-token']", "req.headers['x-slack-signature']", "token", "*.token"], censor: "[redacted]" } },
    ...(overrides.logStream ? [overrides.logStream] : []),
  );
  const role = parseRole(env.SENTINEL_ROLE);
  // An empty prefix means the default, the same for the queue, leases and the live feed.
  const queuePrefix = env.SENTINEL_QUEUE_PREFIX || undefined;
  if (role !== "all" && !(env.REDIS_URL && env.DATABASE_URL)) {
    // Separate server and worker processes share work only through Redis and PostgreSQL.
    throw new Error(`SENTINEL_ROLE=${role} needs REDIS_URL and DATABASE_URL; without them run one process with SENTINEL_ROLE=all`);
  }
  const deliveryRetentionDays = retentionDays(env.SENTINEL_DELIVERY_RETENTION_DAYS);
  const db = await openStoreDatabase(env);
  const store = new Store(db);
  // SENTINEL_QUEUE_LOCK_MS and SENTINEL_QUEUE_STALLED_MS (milliseconds, BullMQ only): how long a
  // worker's lock on a job lasts without renewal, and how often workers look for jobs whose lock
  // lapsed because their worker died; such a job runs again within about their sum. Unset: BullMQ's
  // defaults (30 s each). The faults bench shortens them so killed workers' jobs come back quickly.
  const lockDurationMs = positiveMs(env, "SENTINEL_QUEUE_LOCK_MS");
  const stalledIntervalMs = positiveMs(env, "SENTINEL_QUEUE_STALLED_MS");
  const queue: JobQueue = env.REDIS_URL
    ? new BullQueue({
        redisUrl: env.REDIS_URL,
        ...(queuePrefix ? { prefix: queuePrefix } : {}),
        ...(lockDurationMs ? { lockDurationMs } : {}),
        ...(stalledIntervalMs ? { stalledIntervalMs } : {}),
        onError: (err, job) => logger.warn({ err, job }, "queue job failed"),
      })
    : new MemoryQueue({ onError: (err, job) => logger.warn({ err: err instanceof Error ? err.message : err, job }, "queue job failed") });
  const metrics = createMetrics({ queue });

  let probot: Probot | null = null;
  let github: Middleware | undefined;
  if (env.APP_ID && env.PRIVATE_KEY && env.WEBHOOK_SECRET) {
    // createProbot reads APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, GHE_HOST and GHE_PROTOCOL itself.
    probot = createProbot({ env: { ...env, REDIS_URL: undefined } });
    github = (await createNodeMiddleware(createSentinelApp({ store, queue, logger, metrics }), { probot })) as Middleware;
  } else {
    logger.warn({ missing: ["APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET"].filter((k) => !env[k]) }, "GitHub App not configured: GitHub webhooks are off");
  }
  const gitlabSecrets = gitlabSecretsFromEnv(env);
  const gitlab = gitlabSecrets.length > 0 ? (createGitlabWebhook({ store, queue, logger, metrics, secrets: gitlabSecrets }) as Middleware) : undefined;
  if (!gitlab) logger.info("GitLab not configured (GITLAB_WEBHOOK_SECRET and GITLAB_WEBHOOK_SECRETS unset): GitLab hooks are off");
  else if (gitlabSecrets.some((s) => s.scope === null)) logger.warn("GITLAB_WEBHOOK_SECRET is one secret for every project: whoever can read one project's hook settings can send hooks naming any other; prefer a secret per project or group (GITLAB_WEBHOOK_SECRETS)");

  const forges = createForges(env, probot, logger, db, overrides.fetch);
  const workDir = env.SENTINEL_WORK_DIR ?? ".sentinel/work";
  const sandbox = detectSandbox();
  const sandboxPolicy = env.SENTINEL_SANDBOX === "preferred" ? "preferred" : "required";
  if (sandbox === "none") logger.warn({ policy: sandboxPolicy }, sandboxPolicy === "required" ? "NO SANDBOX (bubblewrap): fix pipelines will refuse to run" : "NO SANDBOX (bubblewrap): fixers run with a scrubbed environment only");
  // Separate processes share a run's live output through Redis; one process keeps it in memory.
  const live = env.REDIS_URL ? new RedisLiveFeed(env.REDIS_URL, queuePrefix ?? "sentinel") : new MemoryLiveFeed();
  const leases = env.REDIS_URL ? redisLeases(env.REDIS_URL, `${queuePrefix ?? "sentinel"}:lease:`) : null;
  // What a fixer's step may use: which registries its network reaches (through the egress proxy),
  // and its memory, processes, /tmp and disk, and the run's deadline. Read at start, so a bad
  // value stops the worker with the variable's name instead of failing every run.
  const stepLimits = role === "server" ? null : limitsFromEnv(env);
  const egress = role === "server" ? null : egressFromEnv(env);
  if (stepLimits && egress) {
    logger.info({ egress: egress.allow.map((r) => `${r.wildcard ? "*." : ""}${r.host}${r.port ? `:${r.port}` : ""}`), limits: stepLimits.limits, runDeadlineMs: stepLimits.runDeadlineMs, enforcement: describeLimitEnforcement(stepLimits.cgroupRoot, sandbox) }, "fixer steps: egress allowlist and limits");
  }
  const fixing = {
    mirrors: new MirrorCache(path.join(workDir, "mirrors")),
    workRoot: path.join(workDir, "worktrees"),
    dependencyCacheDir: path.join(workDir, "dependency-cache"),
    sandbox,
    sandboxPolicy,
    toolchains: detectToolchains(),
    live,
    ...(leases ? { leases } : {}),
    ...(egress ? { egress } : {}),
    ...(stepLimits ? { limits: stepLimits.limits, runDeadlineMs: stepLimits.runDeadlineMs, ...(stepLimits.cgroupRoot ? { cgroupRoot: stepLimits.cgroupRoot } : {}) } : {}),
  } as const;
  // Slack's buttons decide approvals through the same dependencies the worker uses (bound late:
  // the worker's notifier is Slack itself).
  let workerDeps: WorkerDeps | null = null;
  const slack = slackFromEnv(env, logger, (d) => (workerDeps ? decideFromChat(workerDeps, d) : Promise.resolve({ ok: false, message: "Sentinel is starting; try again" })));
  workerDeps = {
    store,
    queue,
    forges,
    logger,
    metrics,
    fixing,
    ...(slack ? { chat: recordedChat(slack, db) } : {}),
    ...(env.GITLAB_PROJECTS ? { gitlabProjects: new Set(env.GITLAB_PROJECTS.split(",").map((p) => p.trim()).filter(Boolean)) } : {}),
    ...(env.APP_ID ? { githubAppId: Number(env.APP_ID) } : {}),
  };
  const worker = role === "server" ? null : startWorker(workerDeps, { concurrency: Number(env.SENTINEL_WORKER_CONCURRENCY ?? 4), deliveryRetentionDays });
  // Workers write the ledger; each keeps the chain head outside the database (the log, a file, a collector).
  const checkpointer =
    role === "server"
      ? null
      : startCheckpointer(db, {
          ...(env.SENTINEL_LEDGER_CHECKPOINT ? { file: env.SENTINEL_LEDGER_CHECKPOINT } : {}),
          ...(env.SENTINEL_LEDGER_CHECKPOINT_URL ? { url: env.SENTINEL_LEDGER_CHECKPOINT_URL } : {}),
          ...(env.SENTINEL_LEDGER_CHECKPOINT_TOKEN ? { token: env.SENTINEL_LEDGER_CHECKPOINT_TOKEN } : {}),
          intervalMs: Number(env.SENTINEL_LEDGER_CHECKPOINT_INTERVAL_MS ?? 60_000),
          logger,
        });

  const dashboard = env.SENTINEL_DASHBOARD_TOKEN
    ? createDashboard({ store, queue, logger, live, token: env.SENTINEL_DASHBOARD_TOKEN, ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}), ...(queuePrefix ? { queuePrefix } : {}) })
    : undefined;
  if (!dashboard) logger.info("dashboard off (SENTINEL_DASHBOARD_TOKEN unset)");
  const mode = { role, github: github ? "on" : "off", gitlab: gitlab ? "on" : "off", slack: slack ? "on" : "off", queue: queue.kind === "bullmq" ? "redis" : "in-process", store: db.kind === "postgres" ? "postgres" : "pglite" };
  // Refused deliveries go to the ledger counted per minute, not one entry each (see startRefusalTally);
  // accepted ones in batches, right after they are recorded (startDeliveryLedger).
  const refusals = startRefusalTally(db, { logger });
  const acceptances = startDeliveryLedger(store, { logger });
  const server = createHttpServer({
    logger,
    metrics,
    onRefused: (r) => refusals.add(r),
    ...bodyLimitsFromEnv(env),
    version: VERSION,
    mode,
    readiness: [
      { name: "database", check: async () => void (await db.query("SELECT 1")) },
      { name: "queue", check: () => queue.ping() },
    ],
    ...(github ? { github, githubWebhookSecret: env.WEBHOOK_SECRET as string } : {}),
    ...(gitlab ? { gitlab } : {}),
    ...(slack ? { slack: slack.middleware as Middleware } : {}),
    ...(dashboard ? { dashboard } : {}),
  });
  const port = Number(env.PORT ?? 3000);
  const host = env.HOST ?? "127.0.0.1";
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  logger.info({ url: `http://${host}:${actualPort}`, mode }, "sentinel is listening");
  return {
    port: actualPort,
    store,
    queue,
    probot,
    live,
    flush: async () => {
      await acceptances.flush();
      await refusals.flush();
    },
    async close() {
      worker?.stop();
      await checkpointer?.stop();
      await slack?.close();
      leases?.close();
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

function positiveMs(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive number of milliseconds, not "${raw}"`);
  return value;
}

function parseRole(value: string | undefined): Role {
  if (value === undefined || value === "") return "all";
  if (value === "all" || value === "server" || value === "worker") return value;
  throw new Error(`SENTINEL_ROLE must be all, server or worker, not "${value}"`);
}

async function openStoreDatabase(env: NodeJS.ProcessEnv): Promise<Database> {
  // DATABASE_MIGRATION_URL (the schema's owner) only runs migrations; DATABASE_URL serves the rest.
  // Empty counts as unset: the chart blanks it in the server and worker containers.
  const migrationUrl = env.DATABASE_MIGRATION_URL || undefined;
  if (env.DATABASE_URL || migrationUrl) return openDatabase({ ...(env.DATABASE_URL ? { url: env.DATABASE_URL } : {}), ...(migrationUrl ? { migrationUrl } : {}) });
  const dir = env.SENTINEL_DATA_DIR ?? ".sentinel/pglite";
  return openDatabase(dir === ":memory:" ? {} : { dataDir: dir });
}

function createForges(env: NodeJS.ProcessEnv, probot: Probot | null, logger: Logger, ledger: Database, fetchImpl?: typeof fetch): Forges {
  const github = probot ? createGithubClients(probot, githubApiBaseUrl(env), fetchImpl, Number(env.APP_ID)) : null;
  const gitlabUrl = env.GITLAB_URL ?? "https://gitlab.com";
  // The token's user does not change while the process runs; a failed look-up is not cached, so
  // the delivery's retry asks again rather than acting on a note that may be Sentinel's own.
  let gitlabSelf: Promise<string | null> | null = null;
  // Projects the API confirmed (id and path agree), for a while: renames are rare, and a hook for
  // a project confirmed minutes ago need not cost another request. Refusals are not remembered.
  const confirmed = new Map<string, number>();
  const CONFIRMED_FOR_MS = 10 * 60_000;
  return {
    // Every client's writes to its forge go to the ledger too (recordedClient).
    async client(target, purpose) {
      if (target.forge === "github") {
        if (!github) throw new Error("a GitHub failure arrived but the GitHub App is not configured");
        return recordedClient(await github.client(target.repo, target.installationId, purpose), ledger);
      }
      if (!env.GITLAB_TOKEN) {
        logger.error("GITLAB_TOKEN is not set: Sentinel cannot read GitLab job traces");
        throw new Error("GITLAB_TOKEN is not set");
      }
      return recordedClient(GitlabForge.connect({ baseUrl: gitlabUrl, token: env.GITLAB_TOKEN, ...(fetchImpl ? { fetchImpl } : {}) }, target.repoId, target.repo), ledger);
    },
    async fixer(target) {
      if (target.forge === "github" && github) return github.fixer(target.repo, target.installationId, target.repoId);
      if (target.forge === "gitlab" && env.GITLAB_TOKEN) return GitlabFixForge.connect(gitlabUrl, env.GITLAB_TOKEN, target.repoId, target.repo);
      throw new Error(`no credentials to push fixes to ${target.forge}`);
    },
    async confirmProject(target) {
      if (target.forge !== "gitlab") return null;
      const key = `${target.repoId}\n${target.repo}`;
      if ((confirmed.get(key) ?? 0) > Date.now()) return null;
      const why = (await (await this.client(target)).confirmProject?.()) ?? null;
      if (why === null) {
        if (confirmed.size > 10_000) confirmed.clear();
        confirmed.set(key, Date.now() + CONFIRMED_FOR_MS);
      }
      return why;
    },
    async selfUsername(forge) {
      if (forge !== "gitlab" || !env.GITLAB_TOKEN) return null;
      gitlabSelf ??= GitlabForge.currentUsername({ baseUrl: gitlabUrl, token: env.GITLAB_TOKEN, ...(fetchImpl ? { fetchImpl } : {}) }).catch((error: unknown) => {
        gitlabSelf = null;
        throw error;
      });
      return gitlabSelf;
    },
  };
}

const invokedDirectly = import.meta.url === `file://${process.argv[1]}`;
if (invokedDirectly) {
  const running = await startFromEnv();
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void running.close().then(() => process.exit(0)));
}

/** How long requests in flight get to finish at shutdown before their connections are cut. */
const SHUTDOWN_DRAIN_MS = 10_000;

/**
 * Stops accepting connections and waits for requests in flight. Idle keep-alive sockets close at
 * once (Node does that in close()); a client still sending a body, or one that never reads its
 * answer, is cut after SHUTDOWN_DRAIN_MS so that shutdown always ends.
 */
function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => server.closeAllConnections(), SHUTDOWN_DRAIN_MS);
    timer.unref();
    server.close((err) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    });
  });
}

/** SENTINEL_DELIVERY_RETENTION_DAYS: a whole number of days, 0 to keep deliveries forever; 30 when unset. */
function retentionDays(value: string | undefined): number {
  if (value === undefined || value === "") return 30;
  const days = Number(value);
  if (!Number.isInteger(days) || days < 0) throw new Error(`SENTINEL_DELIVERY_RETENTION_DAYS must be a whole number of days (0 keeps deliveries forever), not "${value}"`);
  return days;
}

/**
 * The webhook server's limits on slow or large bodies an operator may need to change: a proxy in
 * front whose X-Forwarded-For names clients (else they all share its address, and one share of
 * the body budget), the body deadline and minimum rate.
 */
function bodyLimitsFromEnv(env: NodeJS.ProcessEnv): { trustedProxies?: string[]; bodyDeadlineMs?: number; bodyMinBytesPerSecond?: number } {
  const proxies = (env.SENTINEL_TRUSTED_PROXIES ?? "").split(",").map((p) => p.trim()).filter(Boolean);
  const deadline = positiveMs(env, "SENTINEL_BODY_DEADLINE_MS");
  const rate = env.SENTINEL_BODY_MIN_RATE;
  if (rate !== undefined && rate !== "" && !(Number.isInteger(Number(rate)) && Number(rate) >= 0)) throw new Error(`SENTINEL_BODY_MIN_RATE must be a whole number of bytes per second (0 checks only the deadline), not "${rate}"`);
  return {
    ...(proxies.length > 0 ? { trustedProxies: proxies } : {}),
    ...(deadline ? { bodyDeadlineMs: deadline } : {}),
    ...(rate !== undefined && rate !== "" ? { bodyMinBytesPerSecond: Number(rate) } : {}),
  };
}

/** Chat notifications, each also appended to the ledger with what caused it (like forge writes). */
function recordedChat(chat: ChatNotifier, ledger: Database): ChatNotifier {
  return {
    async notify(n) {
      const result = await chat.notify(n);
      // Slack's notifier answers null for what it did not post (invalid, closed, refused).
      if (result === null || result === undefined) return result;
      const cause = currentCause();
      await appendLedger(ledger, [{ runId: n.runId ?? cause.run ?? null, kind: "chat.write", data: { channel: n.channel, event: n.event, repo: n.repo, title: n.title.slice(0, 200), cause } }]);
      return result;
    },
  };
}
