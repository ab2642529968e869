import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createPgliteDatabase } from "../../src/store/pglite-database.js";

// Runs in a process of its own (vitest's forks): nothing opened an in-memory database before it.
// The store opens in-memory databases from the build's cluster (cluster-template.test.ts); this
// copy serves those made without it, as the tests' own raw databases are.
const dir = mkdtempSync(path.join(tmpdir(), "sentinel-template-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SENTINEL_PGLITE_TEMPLATE", () => {
  it("is written, whole, by the first in-memory database that finds it missing", async () => {
    const file = path.join(dir, "nested", "empty-cluster.bin");
    const before = process.env.SENTINEL_PGLITE_TEMPLATE;
    process.env.SENTINEL_PGLITE_TEMPLATE = file;
    try {
      const db = await createPgliteDatabase();
      await db.close();
      expect(existsSync(file)).toBe(true);
      expect(existsSync(`${file}.${process.pid}.partial`)).toBe(false);
    } finally {
      process.env.SENTINEL_PGLITE_TEMPLATE = before;
    }
  });

  it("that holds no cluster costs an initdb, not the database, and is replaced by a good one", async () => {
    const file = path.join(dir, "garbage.bin");
    writeFileSync(file, "not a tarball");
    const before = process.env.SENTINEL_PGLITE_TEMPLATE;
    process.env.SENTINEL_PGLITE_TEMPLATE = file;
    try {
      // A fresh copy of the store's modules: this process already holds a cluster from the test above.
      vi.resetModules();
      const fresh = await import("../../src/store/pglite-database.js");
      const db = await fresh.createPgliteDatabase();
      const { rows } = await db.query<{ one: number }>("SELECT 1 AS one");
      expect(rows).toEqual([{ one: 1 }]);
      await db.close();
      expect(statSync(file).size).toBeGreaterThan(1_000_000);
    } finally {
      process.env.SENTINEL_PGLITE_TEMPLATE = before;
    }
  });
});
