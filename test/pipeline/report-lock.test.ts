// Regression test for what the faults bench (bench/faults.mjs) found: a worker killed while it
// published a commit's report held the commit's report lock for the 120 s a database lock row
// lasts; every later diagnosis on that commit waited that long in a worker's slot, and with more
// workers dying the waiting jobs were interrupted again and again until the queue gave up on them.
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { withLease } from "../../src/store/index.js";
import { Store } from "../../src/store/index.js";
import { freshPostgres, postgresAvailable } from "../support/services.js";

describe.skipIf(!postgresAvailable)("a report lock whose holder died", () => {
  it("is free again within seconds, not after two minutes", async () => {
    const pg = await freshPostgres();
    const key = "report:github:acme/widgets:0123456789abcdef0123456789abcdef01234567";
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.resolve(import.meta.dirname, "../support/report-lock-child.ts"), pg.url, key],
      { stdio: ["ignore", "pipe", "inherit"], detached: true },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the child never took the lock")), 30_000);
        child.stdout.on("data", (d: Buffer) => {
          if (d.toString().includes(`holding ${key}`)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      process.kill(-child.pid!, "SIGKILL");
      const started = Date.now();
      let ran = false;
      await withLease({ store: new Store(pg.db) }, key, async () => void (ran = true));
      expect(ran).toBe(true);
      // The lease lasts 15 s past its holder's last renewal; a database lock row lasted 120 s.
      expect(Date.now() - started).toBeLessThan(25_000);
    } finally {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
      await pg.drop();
    }
  }, 90_000);

  it("is held against others while its holder lives", async () => {
    const pg = await freshPostgres();
    const store = new Store(pg.db);
    try {
      const order: string[] = [];
      let release!: () => void;
      const first = withLease({ store }, "sticky:github:acme/widgets:7", async () => {
        order.push("first in");
        await new Promise<void>((r) => (release = r));
        order.push("first out");
      });
      while (order.length === 0) await new Promise((r) => setTimeout(r, 20));
      const second = withLease({ store }, "sticky:github:acme/widgets:7", async () => void order.push("second in"));
      await new Promise((r) => setTimeout(r, 300));
      release();
      await Promise.all([first, second]);
      expect(order).toEqual(["first in", "first out", "second in"]);
    } finally {
      await pg.drop();
    }
  }, 60_000);
});
