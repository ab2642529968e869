import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/index.js";
import { openStoreInChild } from "../../src/store/store-host-client.js";
import { currentOwner, hostSocketOf, ownerFileOf } from "../../src/store/store-owner.js";

// `sentinel fix`, `audit` and `tiers` share one store host per PGlite folder, which lingers after
// the last command (SENTINEL_STORE_LINGER_S): the next command finds the store open.
const dirs: string[] = [];
const opened: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  await Promise.all(opened.map((d) => d.close().catch(() => undefined)));
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});
function dataDir(): string {
  const root = mkdtempSync(path.join(tmpdir(), "sentinel-shared-host-"));
  dirs.push(root);
  return path.join(root, "pglite");
}
function shared(dir: string, lingerMs = 30_000) {
  const db = openStoreInChild(dir, { lingerMs });
  opened.push(db);
  return db;
}
async function until(what: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("a store host shared by the commands that use one PGlite folder", () => {
  it("stays open after a command closes, and the next command is served by the same host", async () => {
    const dir = dataDir();
    const first = shared(dir);
    await first.query("CREATE TABLE kept (n int)");
    await first.query("INSERT INTO kept VALUES (1)");
    const host = (await currentOwner(dir))!;
    expect(host).toMatchObject({ kind: "host", socket: hostSocketOf(dir) });
    await first.close();

    const second = shared(dir);
    expect((await second.query<{ n: number }>("SELECT n FROM kept")).rows).toEqual([{ n: 1 }]);
    expect((await currentOwner(dir))?.pid).toBe(host.pid);
    await second.close();
  }, 120_000);

  it("serves two commands at once, whichever of them started it", async () => {
    const dir = dataDir();
    const [a, b] = [shared(dir), shared(dir)];
    await Promise.all([a.query("SELECT 1"), b.query("SELECT 1")]);
    await a.query("CREATE TABLE both_see (n int)");
    await b.query("INSERT INTO both_see VALUES (2)");
    expect((await a.query<{ n: number }>("SELECT n FROM both_see")).rows).toEqual([{ n: 2 }]);
    await Promise.all([a.close(), b.close()]);
  }, 120_000);

  it("makes one command's lock wait for another's (withLock across commands)", async () => {
    const dir = dataDir();
    const [a, b] = [shared(dir), shared(dir)];
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = a.withLock("k", async () => {
      order.push("a in");
      await held;
      order.push("a out");
    });
    await until(() => order.includes("a in"));
    const second = b.withLock("k", () => Promise.resolve(void order.push("b in")));
    await new Promise((r) => setTimeout(r, 200));
    expect(order).toEqual(["a in"]);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(["a in", "a out", "b in"]);
    await Promise.all([a.close(), b.close()]);
  }, 120_000);

  it("rolls back what a command that died left open, and keeps serving the others", async () => {
    const dir = dataDir();
    const survivor = shared(dir);
    await survivor.query("CREATE TABLE half_done (n int)");
    const client = path.resolve("src/store/store-host-client.ts");
    // A command that begins a transaction, writes, and is killed before it ends it.
    const script = `
      const { openStoreInChild } = await import(${JSON.stringify(client)});
      const db = openStoreInChild(${JSON.stringify(dir)}, { lingerMs: 30000 });
      await db.transaction(async (tx) => {
        await tx.query("INSERT INTO half_done VALUES (1)");
        process.kill(process.pid, "SIGKILL");
      });`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.signal).toBe("SIGKILL");
    expect((await survivor.query("SELECT n FROM half_done")).rows).toEqual([]);
    await survivor.close();
  }, 120_000);

  it("closes once no command has used it for its linger time, and gives the folder back", async () => {
    const dir = dataDir();
    const db = shared(dir, 300);
    await db.query("SELECT 1");
    await db.close();
    await until(() => !existsSync(ownerFileOf(dir)) && !existsSync(hostSocketOf(dir)!));
  }, 120_000);

  it("is asked to close by a process that opens the folder itself, which then reads what it wrote", async () => {
    const dir = dataDir();
    const db = shared(dir);
    await db.query("CREATE TABLE handed_over (n int)");
    await db.query("INSERT INTO handed_over VALUES (3)");
    await db.close();
    const own = await openDatabase({ dataDir: dir });
    try {
      expect((await own.query<{ n: number }>("SELECT n FROM handed_over")).rows).toEqual([{ n: 3 }]);
      expect(await currentOwner(dir)).toMatchObject({ kind: "process", pid: process.pid });
    } finally {
      await own.close();
    }
    expect(existsSync(ownerFileOf(dir))).toBe(false);
  }, 120_000);

  it("fails a command with E_STORE_BUSY while a process that opened the folder itself holds it", async () => {
    const dir = dataDir();
    const own = await openDatabase({ dataDir: dir });
    try {
      const db = shared(dir);
      await expect(db.query("SELECT 1")).rejects.toMatchObject({
        code: "E_STORE_BUSY",
        message: expect.stringContaining(`${process.pid}`),
      });
    } finally {
      await own.close();
    }
  }, 120_000);

  it("refuses a second process that would open the folder itself while the first has it", async () => {
    const dir = dataDir();
    const own = await openDatabase({ dataDir: dir });
    try {
      await expect(openDatabase({ dataDir: dir })).rejects.toMatchObject({ code: "E_STORE_BUSY" });
    } finally {
      await own.close();
    }
  }, 120_000);

  it("falls back to a host of the command's own where no socket can be made beside the folder", async () => {
    const dir = dataDir();
    // Something that is not a socket, and cannot be removed as a file, where the socket goes.
    mkdirSync(hostSocketOf(dir)!, { recursive: true });
    const db = shared(dir);
    await db.query("CREATE TABLE still_served (n int)");
    expect((await db.query("SELECT count(*)::int AS n FROM still_served")).rows).toEqual([{ n: 0 }]);
    expect(db.hostPid).toBeGreaterThan(0);
    await db.close();
  }, 120_000);
});
