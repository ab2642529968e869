// What every attack of `npm run bench:attacks` runs against: one Sentinel instance on real
// PostgreSQL (the two roles of deploy/postgres/roles.sql: migrations as the owner, everything
// else as the application role) and BullMQ on real Redis, with the GitHub (as GitHub Enterprise
// Server) and GitLab APIs answered by nock and their git served over real smart HTTP from disk,
// an attacker's listener on loopback, and fixers in bubblewrap.
import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { nock } from "../../test/support/http-mock.js";
import pg from "pg";
import { Redis } from "ioredis";
import { startFromEnv, type Running } from "../../src/main.js";
import { startCanary, type Canary } from "../../test/support/canary.js";
import { startForgeGit, type ForgeGit } from "../../test/support/forge-git.js";
import { TEST_PRIVATE_KEY } from "../../test/support/github-webhooks.js";

export const GITHUB_SECRET = "attacks-github-secret";
export const GITLAB_SHARED_SECRET = "attacks-gitlab-shared-secret";
/** A secret scoped to one GitLab project (GITLAB_WEBHOOK_SECRETS). */
export const GITLAB_SCOPED = { project: "scoped/app", secret: "attacks-secret-of-scoped-app" };
export const GITLAB_TOKEN = "glpat-test-token";
export const INSTALLATION = 4711;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const ADMIN_URL = process.env.BENCH_POSTGRES_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

export interface AttackContext {
  readonly app: Running;
  readonly port: number;
  /** The forge's host: git over HTTP, /api/v3 (GitHub) and /api/v4 (GitLab) by nock. */
  readonly forge: ForgeGit;
  readonly api: string;
  /** The attacker's listener: nothing Sentinel does may reach it. */
  readonly attacker: Canary;
  /** The same Redis Sentinel's queue lives in. */
  readonly redis: Redis;
  readonly queuePrefix: string;
  /** The database as its owner (what the attacks inspect) and as the application role Sentinel uses. */
  readonly owner: pg.Pool;
  readonly appUrl: string;
  readonly workDir: string;
  unique(what: string): string;
  /** The clone URL a real delivery for `repo` carries: the forge's own (what Sentinel must not need). */
  cloneUrl(repo: string): string;
  deliverGithub(event: string, payload: unknown, signWith?: string): Promise<number>;
  gitlabHook(event: string, payload: unknown, token?: string): Promise<{ status: number; delivery: string | null }>;
  outcomeOf(delivery: string | null): Promise<string | null>;
  idle(): Promise<void>;
  close(): Promise<void>;
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** A fresh database whose schema the owner role owns, and the application role's narrower URL. */
async function databaseWithRoles(): Promise<{ ownerUrl: string; appUrl: string; drop: () => Promise<void> }> {
  const suffix = randomBytes(4).toString("hex");
  const name = `sentinel_attacks_${suffix}`;
  const owner = `sentinel_owner_${suffix}`;
  const app = `sentinel_app_${suffix}`;
  await adminQuery(ADMIN_URL, `CREATE DATABASE ${name}`);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${name}`;
  const roles = readFileSync(path.join(ROOT, "deploy", "postgres", "roles.sql"), "utf8")
    .replace(/\bsentinel_owner\b/g, owner)
    .replace(/\bsentinel_app\b/g, app);
  await adminQuery(dbUrl.toString(), roles);
  const as = (role: string) => {
    const u = new URL(dbUrl.toString());
    u.username = role;
    return u.toString();
  };
  return {
    ownerUrl: as(owner),
    appUrl: as(app),
    drop: async () => {
      await adminQuery(ADMIN_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await adminQuery(ADMIN_URL, `DROP ROLE IF EXISTS ${app}; DROP ROLE IF EXISTS ${owner}`);
    },
  };
}

export async function startAttackContext(): Promise<AttackContext> {
  const forge = await startForgeGit();
  const attacker = await startCanary();
  const db = await databaseWithRoles();
  const queuePrefix = `sentinel-attacks-${randomBytes(4).toString("hex")}`;
  const workDir = path.join("/tmp", `sentinel-attacks-${process.pid}`);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  redis.on("error", () => {});
  const app = await startFromEnv({
    PORT: "0",
    LOG_LEVEL: (process.env.ATTACKS_LOG_LEVEL ?? "silent") as "silent",
    APP_ID: "123",
    PRIVATE_KEY: TEST_PRIVATE_KEY,
    WEBHOOK_SECRET: GITHUB_SECRET,
    GHE_HOST: forge.host,
    GHE_PROTOCOL: "http",
    GITLAB_URL: forge.origin,
    GITLAB_TOKEN,
    GITLAB_WEBHOOK_SECRET: GITLAB_SHARED_SECRET,
    GITLAB_WEBHOOK_SECRETS: JSON.stringify({ [GITLAB_SCOPED.project]: GITLAB_SCOPED.secret }),
    // ATTACKS_SINGLE_ROLE=1: one role for everything, for a Sentinel that predates the split.
    ...(process.env.ATTACKS_SINGLE_ROLE
      ? { DATABASE_URL: db.ownerUrl }
      : { DATABASE_URL: db.appUrl, DATABASE_MIGRATION_URL: db.ownerUrl }),
    REDIS_URL,
    SENTINEL_QUEUE_PREFIX: queuePrefix,
    SENTINEL_WORK_DIR: workDir,
    // Small enough that the hostile recipes meet them in seconds.
    SENTINEL_STEP_PIDS: "128",
    SENTINEL_STEP_MEMORY_MB: "256",
    SENTINEL_RUN_DEADLINE_S: "20",
    ...(process.env.SENTINEL_EGRESS_ALLOW !== undefined
      ? { SENTINEL_EGRESS_ALLOW: process.env.SENTINEL_EGRESS_ALLOW }
      : {}),
  });
  // The forge APIs are nock's; Sentinel's own port, the git server and the attacker are real.
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  const owner = new pg.Pool({ connectionString: db.ownerUrl, max: 2 });
  let n = 0;
  const ctx: AttackContext = {
    app,
    port: app.port,
    forge,
    api: `${forge.origin}/api/v3`,
    attacker,
    redis,
    queuePrefix,
    owner,
    appUrl: db.appUrl,
    workDir,
    unique: (what) => `${what}-${++n}`,
    cloneUrl: (repo) => `${forge.origin}/${repo}.git`,
    async deliverGithub(event, payload, signWith = GITHUB_SECRET) {
      const body = JSON.stringify(payload);
      const res = await fetch(`http://127.0.0.1:${app.port}/api/github/webhooks`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": event,
          "x-github-delivery": `attack-${randomBytes(6).toString("hex")}`,
          "x-hub-signature-256": "sha256=" + createHmac("sha256", signWith).update(body).digest("hex"),
        },
        body,
      });
      await res.arrayBuffer();
      return res.status;
    },
    async gitlabHook(event, payload, token = GITLAB_SHARED_SECRET) {
      const res = await fetch(`http://127.0.0.1:${app.port}/api/gitlab/webhook`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-gitlab-event": event,
          "x-gitlab-token": token,
          "idempotency-key": `attack-${randomBytes(6).toString("hex")}`,
        },
        body: JSON.stringify(payload),
      });
      const body = (await res.json().catch(() => ({}))) as { delivery?: string };
      return { status: res.status, delivery: body.delivery ?? null };
    },
    async outcomeOf(delivery) {
      if (!delivery) return null;
      const { rows } = await owner.query<{ outcome: string | null }>(
        "SELECT outcome FROM deliveries WHERE delivery_key = $1",
        [delivery],
      );
      return rows[0]?.outcome ?? null;
    },
    idle: () => app.queue.idle(180_000),
    async close() {
      await app.close();
      await owner.end();
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${queuePrefix}:*`, "COUNT", 1000);
        if (keys.length > 0) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== "0");
      redis.disconnect();
      await db.drop();
      await attacker.close();
      await forge.close();
      nock.cleanAll();
      nock.enableNetConnect();
    },
  };
  return ctx;
}
