import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  appendLedger,
  readCheckpoints,
  readHead,
  readLedger,
  verifyChain,
  writeCheckpoint,
  type LedgerEntry,
} from "../../src/ledger/index.js";
import { GovernanceStore, RunStore, type Database } from "../../src/store/index.js";
import { DATABASES } from "../support/services.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempFile = (name: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), "sentinel-ledger-"));
  dirs.push(dir);
  return path.join(dir, name);
};

async function all(db: Database): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  for await (const e of readLedger(db)) out.push(e);
  return out;
}

async function verify(db: Database, checkpointFile?: string) {
  return verifyChain(readLedger(db), {
    head: await readHead(db),
    ...(checkpointFile ? { checkpoints: await readCheckpoints(checkpointFile) } : {}),
  });
}

/** An attacker with the database's owner rights: the append-only trigger is lifted for `sql`. */
async function tamper(db: Database, sql: string, params: unknown[] = []): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query("ALTER TABLE ledger DISABLE TRIGGER USER");
    await tx.query(sql, params);
    await tx.query("ALTER TABLE ledger ENABLE TRIGGER USER");
  });
}

/** Five entries of one run, the way the pipeline writes them. */
async function aRun(db: Database, runId = "run-1"): Promise<void> {
  const runs = new RunStore(db);
  await runs.startRun({
    runId,
    runKey: `github:octo/app:${runId}`,
    forge: "github",
    repo: "octo/app",
    fingerprint: "sfp1-abc",
  });
  await runs.record(runId, "run.started", { sha: "a".repeat(40), baseBranch: "main" });
  await runs.transition(runId, "PREFLIGHT");
  await runs.record(runId, "command", {
    step: "fmt",
    command: ["cargo", "fmt"],
    exitCode: 0,
    ms: 120,
    note: "naïve ☃ \u0000 text",
  });
  await runs.record(runId, "pull-request", { number: 7, created: true, url: "https://example.invalid/pr/7" });
  await runs.record(runId, "run.finished", { status: "proposed", reason: "opened pull request #7" });
}

for (const { name, available, open } of DATABASES) {
  describe.skipIf(!available)(`the audit ledger's hash chain on ${name}`, () => {
    let db: Database;
    let drop: () => Promise<void>;
    beforeEach(async () => ({ db, drop } = await open()));
    afterEach(() => drop());

    it("links every entry to the one before it and verifies end to end", async () => {
      await aRun(db);
      const entries = await all(db);
      expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(entries[0]!.prevHash).toBe("0".repeat(64));
      for (let i = 1; i < entries.length; i++) expect(entries[i]!.prevHash).toBe(entries[i - 1]!.hash);
      expect(await readHead(db)).toEqual({ seq: 5, hash: entries[4]!.hash });
      expect(await verify(db)).toMatchObject({ ok: true, entries: 5, problem: null });
    });

    it("refuses to update, delete or truncate ledger rows", async () => {
      await aRun(db);
      await expect(db.query("UPDATE ledger SET kind = 'x' WHERE seq = 2")).rejects.toThrow(/append-only/);
      await expect(db.query("DELETE FROM ledger WHERE seq = 2")).rejects.toThrow(/append-only/);
      await expect(db.query("TRUNCATE ledger")).rejects.toThrow(/append-only/);
    });

    it("names the first entry whose content was altered", async () => {
      await aRun(db);
      await tamper(db, "UPDATE ledger SET data = jsonb_set(data, '{exitCode}', '1') WHERE seq = 3");
      expect((await verify(db)).problem).toMatchObject({
        kind: "altered",
        seq: 3,
        message: expect.stringContaining("entry 3 (command) was altered"),
      });
    });

    it("names an entry that was removed from the middle", async () => {
      await aRun(db);
      await tamper(db, "DELETE FROM ledger WHERE seq = 2");
      expect((await verify(db)).problem).toMatchObject({ kind: "removed", seq: 2 });
    });

    it("names an entry that was removed from the end, by the chain head", async () => {
      await aRun(db);
      await tamper(db, "DELETE FROM ledger WHERE seq = 5");
      expect((await verify(db)).problem).toMatchObject({ kind: "truncated", seq: 5 });
    });

    it("names the entry where two entries were swapped", async () => {
      await aRun(db);
      // Swap what entries 2 and 3 say, each re-hashed so that neither looks altered on its own:
      // entry 3 then names a predecessor that is no longer there.
      const [, two, three] = await all(db);
      const { entryHash } = await import("../../src/ledger/index.js");
      const swapped2 = { ...three!, seq: 2, at: two!.at, prevHash: two!.prevHash };
      const swapped3 = { ...two!, seq: 3, at: three!.at, prevHash: two!.hash };
      await tamper(db, "UPDATE ledger SET kind = $2, data = $3::jsonb, hash = $4 WHERE seq = $1", [
        2,
        swapped2.kind,
        JSON.stringify(swapped2.data),
        entryHash(swapped2),
      ]);
      await tamper(db, "UPDATE ledger SET kind = $2, data = $3::jsonb, hash = $4 WHERE seq = $1", [
        3,
        swapped3.kind,
        JSON.stringify(swapped3.data),
        entryHash(swapped3),
      ]);
      expect((await verify(db)).problem).toMatchObject({ kind: "out-of-chain", seq: 3 });
    });

    it("catches a chain recomputed from scratch after a checkpoint, and the entry where it differs", async () => {
      await aRun(db);
      const file = tempFile("checkpoints.jsonl");
      await writeCheckpoint(file, await readHead(db));
      expect(await verify(db, file)).toMatchObject({ ok: true, checkpointsMatched: 1 });
      // Rewrite entry 4 and re-hash everything after it: the chain alone verifies again.
      const entries = await all(db);
      const { entryHash } = await import("../../src/ledger/index.js");
      let prev = entries[2]!.hash;
      for (const e of entries.slice(3)) {
        const data = e.seq === 4 ? { ...e.data, number: 8 } : e.data;
        const hash = entryHash({ ...e, data, prevHash: prev });
        await tamper(db, "UPDATE ledger SET data = $2::jsonb, prev_hash = $3, hash = $4 WHERE seq = $1", [
          e.seq,
          JSON.stringify(data),
          prev,
          hash,
        ]);
        prev = hash;
      }
      await db.query("UPDATE ledger_head SET hash = $1", [prev]);
      expect(await verify(db)).toMatchObject({ ok: true });
      expect((await verify(db, file)).problem).toMatchObject({ kind: "rewritten", seq: 5 });
    });

    it("catches entries removed from the end together with the head, by the checkpoint", async () => {
      await aRun(db);
      const file = tempFile("checkpoints.jsonl");
      await writeCheckpoint(file, await readHead(db));
      const entries = await all(db);
      await tamper(db, "DELETE FROM ledger WHERE seq >= 4");
      await db.query("UPDATE ledger_head SET seq = 3, hash = $1", [entries[2]!.hash]);
      expect((await verify(db, file)).problem).toMatchObject({ kind: "truncated", seq: 4 });
    });

    it("keeps one chain when writers append at once, with tier changes and approvals written in their own transactions", async () => {
      const runs = new RunStore(db);
      const gov = new GovernanceStore(db);
      await Promise.all([
        ...Array.from({ length: 20 }, (_, i) => runs.record(`run-${i % 3}`, "command", { i })),
        ...Array.from({ length: 5 }, (_, i) =>
          gov.setTier(
            {
              forge: "github",
              repo: "octo/app",
              agentId: `agent-${i}`,
              tier: 1,
              cleanStreak: 0,
              revoked: false,
              reason: "start",
            },
            { cause: "test" },
          ),
        ),
        appendLedger(db, [
          { runId: null, kind: "note", data: { a: 1 } },
          { runId: null, kind: "note", data: { a: 2 } },
        ]),
      ]);
      const result = await verify(db);
      expect(result).toMatchObject({ ok: true, entries: 27 });
    });
  });
}

describe("checkpoint files", () => {
  it("are read back line by line, and a corrupt line is an error with its line number", async () => {
    const file = tempFile("c.jsonl");
    await writeCheckpoint(file, { seq: 3, hash: "a".repeat(64) }, new Date("2026-12-05T10:00:00Z"));
    await writeCheckpoint(file, { seq: 9, hash: "b".repeat(64) }, new Date("2026-12-05T11:00:00Z"));
    expect(await readCheckpoints(file)).toEqual([
      { seq: 3, hash: "a".repeat(64), at: "2026-12-05T10:00:00.000Z" },
      { seq: 9, hash: "b".repeat(64), at: "2026-12-05T11:00:00.000Z" },
    ]);
    writeFileSync(file, readFileSync(file, "utf8") + "{not json\n");
    await expect(readCheckpoints(file)).rejects.toThrow(/c\.jsonl:3: not a checkpoint line/);
  });
});

describe("upgrading a database whose ledger predates the chain", () => {
  it("numbers its entries without gaps, chains them in order, and verifies", async () => {
    const { createPgliteDatabase } = await import("../../src/store/pglite-database.js");
    const { migrate } = await import("../../src/store/index.js");
    const db = await createPgliteDatabase();
    try {
      await migrate(db, { upTo: 3 });
      // As version 3 wrote them: a sequence with a gap (a rolled-back insert), timestamps in microseconds.
      for (const [seq, kind] of [
        [1, "run.started"],
        [2, "phase.PREFLIGHT"],
        [5, "run.finished"],
      ] as const) {
        await db.query(
          "INSERT INTO ledger (seq, run_id, kind, data, at) VALUES ($1, 'run-old', $2, $3::jsonb, now())",
          [seq, kind, JSON.stringify({ seq })],
        );
      }
      expect(await migrate(db)).toEqual(expect.arrayContaining([4]));
      const entries = await all(db);
      expect(entries.map((e) => [e.seq, e.kind])).toEqual([
        [1, "run.started"],
        [2, "phase.PREFLIGHT"],
        [3, "run.finished"],
      ]);
      expect(await verify(db)).toMatchObject({ ok: true, entries: 3 });
      await new RunStore(db).record("run-new", "run.started", {});
      expect(await verify(db)).toMatchObject({ ok: true, entries: 4 });
    } finally {
      await db.close();
    }
  });
});
