import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { openDatabase } from "../../src/store/index.js";

// Runs in a process of its own (vitest's forks): nothing opened an in-memory database before it.
const dir = mkdtempSync(path.join(tmpdir(), "sentinel-template-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SENTINEL_PGLITE_TEMPLATE", () => {
  it("is written, whole, by the first in-memory database that finds it missing", async () => {
    const file = path.join(dir, "nested", "empty-cluster.bin");
    const before = process.env.SENTINEL_PGLITE_TEMPLATE;
    process.env.SENTINEL_PGLITE_TEMPLATE = file;
    try {
      const db = await openDatabase({});
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
      const fresh = await import("../../src/store/index.js");
      const db = await fresh.openDatabase({});
      const { rows } = await db.query<{ name: string | null }>("SELECT to_regclass('failures')::text AS name");
      expect(rows[0]?.name).toBe("failures");
      await db.close();
      expect(statSync(file).size).toBeGreaterThan(1_000_000);
    } finally {
      process.env.SENTINEL_PGLITE_TEMPLATE = before;
    }
  });
});
