import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeClusterTemplate } from "../../src/store/cluster-template.js";
import { createPgliteDatabase } from "../../src/store/pglite-database.js";
import { pendingMigrations } from "../../src/store/schema-version.js";

// A first `sentinel fix` ran initdb and every migration before recording anything. The build now
// writes a cluster at the current schema version, and a new data folder starts from it.

const work = mkdtempSync(path.join(tmpdir(), "sentinel-cluster-template-"));
const template = path.join(work, "cluster-template.tar.gz");
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(async () => {
  await writeClusterTemplate(template);
});

describe("a PGlite database in memory", () => {
  it("starts from the template too, with no migration pending", async () => {
    const db = await createPgliteDatabase(undefined, { template });
    try {
      expect(db.started).toBe("template");
      expect(await pendingMigrations(db)).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

describe("a new PGlite data folder", () => {
  it("starts from the template, at the current schema version with no migration pending", async () => {
    const db = await createPgliteDatabase(path.join(work, "new"), { template });
    try {
      expect(db.started).toBe("template");
      expect(await pendingMigrations(db)).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it("keeps what was written to it when opened again: the template is not laid over a cluster", async () => {
    const dir = path.join(work, "kept");
    const first = await createPgliteDatabase(dir, { template });
    await first.query("CREATE TABLE notes (body text)");
    await first.query("INSERT INTO notes VALUES ('written after the template')");
    await first.close();
    const again = await createPgliteDatabase(dir, { template });
    try {
      expect(again.started).toBe("existing");
      expect((await again.query<{ body: string }>("SELECT body FROM notes")).rows).toEqual([
        { body: "written after the template" },
      ]);
    } finally {
      await again.close();
    }
  });

  it("runs initdb when the template file is cut short, and the folder holds a working cluster", async () => {
    const broken = path.join(work, "broken.tar.gz");
    writeFileSync(broken, readFileSync(template).subarray(0, 4096));
    const db = await createPgliteDatabase(path.join(work, "from-broken"), { template: broken });
    try {
      expect(db.started).toBe("initdb");
      expect((await db.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
  });

  it("runs initdb when the template is a gzip of something that is not a cluster archive", async () => {
    const junk = path.join(work, "junk.tar.gz");
    writeFileSync(junk, gzipSync(Buffer.alloc(64 * 1024, "not a tar archive ")));
    const db = await createPgliteDatabase(path.join(work, "from-junk"), { template: junk });
    try {
      expect(db.started).toBe("initdb");
      expect((await db.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
  });

  it("runs initdb when there is no template file, as a build that wrote none does", async () => {
    const db = await createPgliteDatabase(path.join(work, "no-template"), {
      template: path.join(work, "absent.tar.gz"),
    });
    try {
      expect(db.started).toBe("initdb");
    } finally {
      await db.close();
    }
  });
});
