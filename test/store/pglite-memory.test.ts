import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/index.js";

// In-memory databases after the first load a copy of the first one's empty cluster (no initdb).
describe("in-memory PGlite databases in one process", () => {
  it("each start empty, whatever an earlier one holds", async () => {
    const first = await openDatabase({});
    await first.query("CREATE TABLE scratch_marker (n int)");
    await first.query("INSERT INTO scratch_marker VALUES (1)");
    const second = await openDatabase({});
    const { rows } = await second.query<{ name: string | null }>("SELECT to_regclass('scratch_marker')::text AS name");
    expect(rows[0]?.name).toBeNull();
    await Promise.all([first.close(), second.close()]);
  });

  it("are each migrated to the current schema", async () => {
    const dbs = [await openDatabase({}), await openDatabase({})];
    for (const db of dbs) {
      const { rows } = await db.query<{ name: string | null }>("SELECT to_regclass('failures')::text AS name");
      expect(rows[0]?.name).toBe("failures");
    }
    await Promise.all(dbs.map((db) => db.close()));
  });
});
