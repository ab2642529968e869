import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSentinelError } from "../../src/core/index.js";
import { appendLedger, appendLedgerIn, readHead, readLedger, verifyChain } from "../../src/ledger/index.js";
import { openDatabase, RunStore, type Database } from "../../src/store/index.js";
import { openStoreInChild } from "../../src/store/store-host-client.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function dataDir(): string {
  const root = mkdtempSync(path.join(tmpdir(), "sentinel-store-host-"));
  dirs.push(root);
  return path.join(root, "pglite");
}

// The CLI's `fix` keeps PGlite in a child process (store-host-client.ts): what it writes there
// must be what `audit`, `tiers` and the dashboard read from the same folder afterwards.
describe("a PGlite store held by a child process", () => {
  it("takes queries made before it has opened, and they land in the folder that an in-process open reads", async () => {
    const dir = dataDir();
    const early = openStoreInChild(dir);
    // Asked at once: the child is still opening (and migrating) the store.
    const runs = new RunStore(early);
    await runs.startRun({
      runId: "run_host_1",
      runKey: "key_host_1",
      forge: "local",
      repo: "/repo",
      fingerprint: "fp",
      failureKey: null,
      sha: "abc",
      prNumber: null,
      manual: false,
    });
    await runs.record("run_host_1", "run.started", { sha: "abc" });
    await early.close();

    const again = await openDatabase({ dataDir: dir });
    const { rows } = await again.query<{ run_id: string }>("SELECT run_id FROM runs WHERE run_id = $1", ["run_host_1"]);
    expect(rows.map((r) => r.run_id)).toEqual(["run_host_1"]);
    const kinds: string[] = [];
    for await (const e of readLedger(again, { runId: "run_host_1" })) kinds.push(e.kind);
    expect(kinds).toEqual(["run.started"]);
    await again.close();
  }, 120_000);

  // One store for the tests below: each new folder costs an initdb and the migrations.
  let db: Database;
  beforeAll(() => void (db = openStoreInChild(dataDir())));
  // Generous timeouts: each new folder runs initdb, which takes a minute on a busy 2-core machine.
  afterAll(() => db.close());

  it("commits a transaction whose function returns, and rolls back one whose function throws", async () => {
    await db.query("CREATE TABLE scratch (n int)");
    expect(await db.transaction(async (tx) => (await tx.query("INSERT INTO scratch VALUES (1)")).rowCount)).toBe(1);
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO scratch VALUES (2)");
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect((await db.query<{ n: number }>("SELECT n FROM scratch ORDER BY n")).rows).toEqual([{ n: 1 }]);
  }, 120_000);

  it("hands back rows as PGlite gives them: dates as Dates, JSON parsed", async () => {
    const { rows } = await db.query<{ at: Date; doc: { a: number[] } }>(
      "SELECT '2026-01-02T03:04:05Z'::timestamptz AS at, $1::jsonb AS doc",
      [JSON.stringify({ a: [1, 2] })],
    );
    expect(rows[0]?.at).toBeInstanceOf(Date);
    expect(rows[0]?.at.toISOString()).toBe("2026-01-02T03:04:05.000Z");
    expect(rows[0]?.doc).toEqual({ a: [1, 2] });
  }, 120_000);

  it("appends to the ledger in the host process, and the chain it writes verifies", async () => {
    class Stamp {
      toJSON() {
        return "stamped";
      }
    }
    const written = await appendLedger(db, [
      { runId: "run_append", kind: "one", data: { at: new Date("2026-01-02T03:04:05Z"), stamp: new Stamp() } },
      { runId: "run_append", kind: "two", data: { n: 2 } },
    ]);
    expect(written.map((e) => [e.kind, e.data])).toEqual([
      ["one", { at: "2026-01-02T03:04:05.000Z", stamp: "stamped" }],
      ["two", { n: 2 }],
    ]);
    expect(written[1]!.prevHash).toBe(written[0]!.hash);
    expect(await verifyChain(readLedger(db), { head: await readHead(db) })).toMatchObject({ ok: true });
  }, 120_000);

  it("appends inside the caller's transaction: a rollback takes the entry back with the rest", async () => {
    const before = (await db.query<{ n: string }>("SELECT count(*) AS n FROM ledger")).rows[0]!.n;
    await expect(
      db.transaction(async (tx) => {
        await appendLedgerIn(tx, [{ runId: "run_rolled_back", kind: "gone", data: {} }]);
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect((await db.query<{ n: string }>("SELECT count(*) AS n FROM ledger")).rows[0]!.n).toBe(before);
    await db.transaction((tx) => appendLedgerIn(tx, [{ runId: "run_kept", kind: "kept", data: {} }]));
    expect(await verifyChain(readLedger(db), { head: await readHead(db) })).toMatchObject({ ok: true });
  }, 120_000);

  it("passes on a query's error with PostgreSQL's code, and keeps answering after it", async () => {
    await db.query("CREATE TABLE unique_scratch (n int PRIMARY KEY)");
    await db.query("INSERT INTO unique_scratch VALUES (1)");
    await expect(db.query("INSERT INTO unique_scratch VALUES (1)")).rejects.toMatchObject({ code: "23505" });
    expect((await db.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  }, 120_000);

  it("lets the process that opened it exit 0 once closed, when nothing else keeps it alive", () => {
    // As the CLI does: open, write, close, and nothing else pending. Run in a process of its own,
    // since the test runner's own handles would keep this one alive whatever the store does.
    const client = path.resolve("src/store/store-host-client.ts");
    const script = `
      const { openStoreInChild } = await import(${JSON.stringify(client)});
      const db = openStoreInChild(${JSON.stringify(dataDir())});
      await db.query("CREATE TABLE closed_cleanly (n int)");
      await db.close();
      console.log("closed");`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 110_000,
    });
    expect({ status: r.status, stdout: r.stdout.trim() }).toEqual({ status: 0, stdout: "closed" });
  }, 120_000);

  it("fails what is asked after its process died with E_STORE_HOST_EXITED, and still closes", async () => {
    const dying = openStoreInChild(dataDir());
    await dying.query("SELECT 1");
    const exited = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        try {
          process.kill(dying.hostPid as number, 0);
        } catch {
          // kill(pid, 0) throws once the process is gone: that is what is waited for.
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    process.kill(dying.hostPid as number, "SIGKILL");
    await exited;
    await expect(dying.query("SELECT 1")).rejects.toMatchObject({ code: "E_STORE_HOST_EXITED" });
    await dying.close();
  }, 120_000);

  it("fails every query with the open's own error when the folder cannot be opened", async () => {
    // A file where the data folder should be: PGlite cannot create the folder.
    const dir = dataDir();
    mkdirSync(path.dirname(dir), { recursive: true });
    writeFileSync(dir, "not a folder\n");
    chmodSync(dir, 0o444);
    const broken = openStoreInChild(dir);
    const error = await broken.query("SELECT 1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(isSentinelError(error) && error.code === "E_STORE_HOST_EXITED").toBe(false);
    await expect(broken.query("SELECT 1")).rejects.toBe(error);
    await broken.close();
  }, 120_000);
});
