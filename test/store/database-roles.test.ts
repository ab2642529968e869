import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { appendLedger, readHead, readLedger, verifyChain } from "../../src/ledger/index.js";
import { startFromEnv } from "../../src/main.js";
import { migrateMain } from "../../src/store/migrate-main.js";
import { GovernanceStore, openDatabase, RunStore, Store, type Database } from "../../src/store/index.js";
import { POSTGRES_ADMIN_URL, postgresAvailable } from "../support/services.js";

// deploy/postgres/roles.sql on a real PostgreSQL: a fresh database per case and the two roles with
// a random suffix (roles are cluster-wide, so parallel runs must not share them), dropped after.
// postgresAvailable throws when CI=true and PostgreSQL is unreachable, so this file fails there
// instead of skipping.

const ROLES_SQL = readFileSync(
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "deploy", "postgres", "roles.sql"),
  "utf8",
);
const PERMISSION_DENIED = "42501"; // insufficient_privilege: "permission denied", "must be owner"

interface Setup {
  readonly name: string;
  readonly ownerRole: string;
  readonly appRole: string;
  readonly ownerUrl: string;
  readonly appUrl: string;
  urlAs(role: string): string;
  /** Runs SQL in the test database as the cluster's admin (superuser). */
  admin(sql: string): Promise<pg.QueryResult>;
  /** deploy/postgres/roles.sql, with this setup's role names. */
  runRolesSql(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A fresh database and two role names; roles.sql is run only when `roles` is true. */
async function setUp(o: { roles: boolean }): Promise<Setup> {
  const suffix = randomBytes(5).toString("hex");
  const name = `sentinel_roles_${suffix}`;
  const ownerRole = `sentinel_owner_${suffix}`;
  const appRole = `sentinel_app_${suffix}`;
  await adminQuery(POSTGRES_ADMIN_URL, `CREATE DATABASE ${name}`);
  const extraRoles: string[] = [];
  cleanups.push(async () => {
    await adminQuery(POSTGRES_ADMIN_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    for (const role of [ownerRole, appRole, ...extraRoles])
      await adminQuery(POSTGRES_ADMIN_URL, `DROP ROLE IF EXISTS ${role}`);
  });
  const urlAs = (role: string) => {
    const u = new URL(POSTGRES_ADMIN_URL);
    u.username = role;
    u.password = "";
    u.pathname = `/${name}`;
    return u.toString();
  };
  const dbAdminUrl = (() => {
    const u = new URL(POSTGRES_ADMIN_URL);
    u.pathname = `/${name}`;
    return u.toString();
  })();
  const setup: Setup = {
    name,
    ownerRole,
    appRole,
    ownerUrl: urlAs(ownerRole),
    appUrl: urlAs(appRole),
    urlAs: (role) => {
      extraRoles.push(role);
      return urlAs(role);
    },
    admin: (sql) => adminQuery(dbAdminUrl, sql),
    runRolesSql: async () =>
      void (await adminQuery(
        dbAdminUrl,
        ROLES_SQL.replace(/\bsentinel_owner\b/g, ownerRole).replace(/\bsentinel_app\b/g, appRole),
      )),
  };
  if (o.roles) await setup.runRolesSql();
  return setup;
}

async function adminQuery(url: string, sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Opens a database and closes it after the test. */
async function opened(p: Promise<Database>): Promise<Database> {
  const db = await p;
  cleanups.push(() => db.close());
  return db;
}

describe.skipIf(!postgresAvailable)(
  "the owner and application roles of deploy/postgres/roles.sql, on PostgreSQL",
  () => {
    describe("with the schema migrated through the owner role", () => {
      let s: Setup;
      let app: Database;
      const shared: Array<() => Promise<void>> = [];
      beforeAll(async () => {
        s = await setUp({ roles: true });
        shared.push(...cleanups.splice(0));
        app = await openDatabase({ url: s.appUrl, migrationUrl: s.ownerUrl });
        shared.unshift(() => app.close());
        await new RunStore(app).record("run-1", "run.started", { sha: "a".repeat(40) });
      });
      afterAll(async () => {
        for (const c of shared.reverse()) await c();
      });

      it("leaves every table owned by the owner role and none by the application role", async () => {
        const { rows } = await s.admin(
          "SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'S')",
        );
        expect(rows).toEqual([{ owner: s.ownerRole }]);
      });

      it("lets the application role append to the ledger, and the chain verifies", async () => {
        const runs = new RunStore(app);
        await runs.record("run-2", "command", { step: "fmt", exitCode: 0 });
        await appendLedger(app, [{ runId: null, kind: "note", data: { by: "app role" } }]);
        const head = await readHead(app);
        expect(head.seq).toBeGreaterThanOrEqual(3);
        expect(await verifyChain(readLedger(app), { head })).toMatchObject({ ok: true, entries: head.seq });
      });

      it.each([
        ["UPDATE ledger", "UPDATE ledger SET kind = 'x' WHERE seq = 1"],
        ["DELETE FROM ledger", "DELETE FROM ledger WHERE seq = 1"],
        ["TRUNCATE ledger", "TRUNCATE ledger"],
        ["ALTER TABLE ledger DISABLE TRIGGER ALL", "ALTER TABLE ledger DISABLE TRIGGER ALL"],
        ["ALTER TABLE ledger DISABLE TRIGGER USER", "ALTER TABLE ledger DISABLE TRIGGER USER"],
        ["DROP TRIGGER", "DROP TRIGGER ledger_append_only ON ledger"],
        ["DROP TABLE ledger", "DROP TABLE ledger"],
        ["INSERT INTO ledger_head", "INSERT INTO ledger_head (id, seq, hash) VALUES (2, 0, 'x')"],
        ["DELETE FROM ledger_head", "DELETE FROM ledger_head"],
        ["a fake schema_migrations row", "INSERT INTO schema_migrations (id, name) VALUES (999, 'fake')"],
      ])("refuses %s to the application role with a permission error", async (_what, sql) => {
        await expect(app.query(sql)).rejects.toMatchObject({ code: PERMISSION_DENIED });
      });

      it("runs the ordinary flows as the application role: deliveries, failures, runs, leases, trust tiers, pruning", async () => {
        const store = new Store(app);
        expect(
          await store.deliveries.record({
            deliveryKey: "github:d-1",
            forge: "github",
            event: "workflow_job",
            payload: { a: 1 },
          }),
        ).toBe(true);
        await store.deliveries.markEnqueued("github:d-1");
        await store.deliveries.markProcessed("github:d-1", "diagnosed");
        expect(
          await store.failures.record({
            failureKey: "github:1:job:10",
            forge: "github",
            source: "workflow_job",
            repo: "octo/app",
            repoId: "1",
            installationId: "5",
            sha: "a".repeat(40),
            jobId: "10",
            jobName: "test",
            pullRequests: [],
            fromFork: false,
            context: {},
            firstDelivery: "github:d-1",
          }),
        ).toBe(true);
        await store.failures.setStatus("github:1:job:10", "diagnosed");
        const runs = new RunStore(app);
        await runs.startRun({
          runId: "run-9",
          runKey: "github:octo/app:fp",
          forge: "github",
          repo: "octo/app",
          fingerprint: "sfp1-abc",
        });
        await runs.transition("run-9", "PREFLIGHT");
        await runs.finishRun("run-9", "proposed", { ok: true });
        expect(await runs.acquireLease("fix:octo/app", "me", 60_000)).toBe(true);
        await runs.releaseLease("fix:octo/app", "me");
        expect(await app.withLock("k", async () => "locked")).toBe("locked");
        await new GovernanceStore(app).setTier(
          {
            forge: "github",
            repo: "octo/app",
            agentId: "agent-1",
            tier: 1,
            cleanStreak: 0,
            revoked: false,
            reason: "start",
          },
          { cause: "test" },
        );
        await app.query("UPDATE deliveries SET received_at = now() - interval '400 days'");
        // The delivery's ledger entry, appended as the application role, before it may be pruned.
        expect(await store.deliveries.ledgerAccepted()).toBe(1);
        expect(await store.deliveries.prune(30)).toBe(1);
        const head = await readHead(app);
        expect(await verifyChain(readLedger(app), { head })).toMatchObject({ ok: true });
      });

      it("opens the migrated database with the application role alone, without DDL", async () => {
        // The role may not create anything in the schema, so any DDL would have failed the open.
        expect(
          (await s.admin(`SELECT has_schema_privilege('${s.appRole}', 'public', 'CREATE') AS can`)).rows[0],
        ).toEqual({ can: false });
        const worker = await opened(openDatabase({ url: s.appUrl }));
        expect((await worker.query("SELECT count(*)::int AS n FROM ledger")).rows[0]).toMatchObject({
          n: expect.any(Number),
        });
      });
    });

    it("stops an application role facing pending migrations, naming DATABASE_MIGRATION_URL, and tries no DDL", async () => {
      const s = await setUp({ roles: true });
      const failure = openDatabase({ url: s.appUrl });
      await expect(failure).rejects.toMatchObject({
        code: "E_DB_MIGRATIONS_PENDING",
        message: expect.stringContaining("DATABASE_MIGRATION_URL"),
      });
      await expect(failure).rejects.toThrow(new RegExp(`role ${s.appRole} may not run them`));
      expect((await s.admin("SELECT to_regclass('schema_migrations') AS t")).rows[0]).toEqual({ t: null });
    });

    it("refuses DATABASE_MIGRATION_URL when DATABASE_URL names the owner too", async () => {
      const s = await setUp({ roles: true });
      await expect(openDatabase({ url: s.ownerUrl, migrationUrl: s.ownerUrl })).rejects.toMatchObject({
        code: "E_DB_ROLES_NOT_SEPARATED",
        message: expect.stringContaining(`role ${s.ownerRole} owns the ledger`),
      });
    });

    it("refuses DATABASE_MIGRATION_URL without DATABASE_URL", async () => {
      await expect(openDatabase({ migrationUrl: "postgres://nobody@127.0.0.1:1/none" })).rejects.toMatchObject({
        code: "E_DB_MIGRATION_URL_ALONE",
      });
    });

    it("narrows ledger grants widened by hand again at the next start through the owner", async () => {
      const s = await setUp({ roles: true });
      await (await openDatabase({ url: s.appUrl, migrationUrl: s.ownerUrl })).close();
      await s.admin(
        `GRANT UPDATE, DELETE, TRUNCATE ON ledger TO ${s.appRole}; GRANT UPDATE (kind) ON ledger TO PUBLIC; GRANT INSERT ON ledger_head TO ${s.appRole}`,
      );
      const app = await opened(openDatabase({ url: s.appUrl, migrationUrl: s.ownerUrl }));
      const { rows } = await s.admin(
        `SELECT has_table_privilege('${s.appRole}', 'ledger', 'UPDATE') AS u, has_table_privilege('${s.appRole}', 'ledger', 'TRUNCATE') AS t,
              has_column_privilege('${s.appRole}', 'ledger', 'kind', 'UPDATE') AS c, has_table_privilege('${s.appRole}', 'ledger_head', 'INSERT') AS i,
              has_table_privilege('${s.appRole}', 'ledger', 'INSERT') AS append`,
      );
      expect(rows[0]).toEqual({ u: false, t: false, c: false, i: false, append: true });
      await expect(app.query("UPDATE ledger SET kind = 'x'")).rejects.toMatchObject({ code: PERMISSION_DENIED });
    });

    it("takes over a database an earlier single-role Sentinel filled, keeping its ledger", async () => {
      const s = await setUp({ roles: false });
      const legacyRole = `sentinel_legacy_${randomBytes(4).toString("hex")}`;
      const legacyUrl = s.urlAs(legacyRole);
      await adminQuery(POSTGRES_ADMIN_URL, `CREATE ROLE ${legacyRole} LOGIN`);
      await s.admin(`ALTER DATABASE ${s.name} OWNER TO ${legacyRole}`);
      const legacy = await openDatabase({ url: legacyUrl });
      await new RunStore(legacy).record("run-old", "run.started", {});
      await legacy.close();

      await s.runRolesSql();
      const app = await opened(openDatabase({ url: s.appUrl, migrationUrl: s.ownerUrl }));
      await new RunStore(app).record("run-new", "run.started", {});
      await expect(app.query("ALTER TABLE ledger DISABLE TRIGGER ALL")).rejects.toMatchObject({
        code: PERMISSION_DENIED,
      });
      const head = await readHead(app);
      expect(await verifyChain(readLedger(app), { head })).toMatchObject({ ok: true, entries: 2 });
    });

    it("starts Sentinel with DATABASE_URL as the application role and DATABASE_MIGRATION_URL as the owner", async () => {
      const s = await setUp({ roles: true });
      const running = await startFromEnv({
        PORT: "0",
        LOG_LEVEL: "silent",
        DATABASE_URL: s.appUrl,
        DATABASE_MIGRATION_URL: s.ownerUrl,
        SENTINEL_LEDGER_CHECKPOINT_INTERVAL_MS: "60000",
      });
      try {
        expect(
          await running.store.deliveries.record({
            deliveryKey: "github:d-2",
            forge: "github",
            event: "workflow_job",
            payload: {},
          }),
        ).toBe(true);
        await new RunStore(running.store.db).record("run-1", "run.started", {});
        expect((await running.store.db.query("SELECT current_user AS u")).rows[0]).toEqual({ u: s.appRole });
        await expect(running.store.db.query("DELETE FROM ledger")).rejects.toMatchObject({ code: PERMISSION_DENIED });
      } finally {
        await running.close();
      }
    });

    it("migrates through the owner and exits from the init step (migrate-main), leaving the application role able to open the database alone", async () => {
      const s = await setUp({ roles: true });
      const lines: string[] = [];
      const out = { log: (l: string) => lines.push(l), error: (l: string) => lines.push(l) };
      expect(await migrateMain({ DATABASE_URL: s.appUrl, DATABASE_MIGRATION_URL: s.ownerUrl }, out)).toBe(0);
      expect(lines).toEqual([
        "sentinel migrate: the schema is current; DATABASE_URL's role cannot rewrite the audit ledger",
      ]);
      await (await openDatabase({ url: s.appUrl })).close();
      expect(await migrateMain({ DATABASE_URL: s.ownerUrl, DATABASE_MIGRATION_URL: s.ownerUrl }, out)).toBe(1);
      expect(lines.at(-1)).toMatch(/^sentinel migrate: E_DB_ROLES_NOT_SEPARATED: /);
      expect(await migrateMain({ DATABASE_MIGRATION_URL: s.ownerUrl }, out)).toBe(2);
    });
  },
);
