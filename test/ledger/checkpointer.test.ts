import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { readCheckpoints, readHead, readLedger, verifyChain } from "../../src/ledger/index.js";
import { startFromEnv } from "../../src/main.js";
import { RunStore } from "../../src/store/index.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("the ledger checkpointer in a running Sentinel", () => {
  it("writes the chain head to SENTINEL_LEDGER_CHECKPOINT and a log line when the head moves, and once more on shutdown", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sentinel-checkpoints-"));
    dirs.push(dir);
    const file = path.join(dir, "ledger", "checkpoints.jsonl");
    const logs = new PassThrough();
    const lines: string[] = [];
    logs.on("data", (c: Buffer) => lines.push(...c.toString().split("\n").filter(Boolean)));
    const app = await startFromEnv(
      {
        PORT: "0",
        LOG_LEVEL: "info",
        SENTINEL_DATA_DIR: ":memory:",
        SENTINEL_LEDGER_CHECKPOINT: file,
        SENTINEL_LEDGER_CHECKPOINT_INTERVAL_MS: "50",
      },
      { logStream: logs },
    );
    const runs = new RunStore(app.store.db);
    await runs.record("run-1", "run.started", {});
    await runs.record("run-1", "run.finished", { status: "proposed" });
    for (let i = 0; i < 100 && !(await readCheckpoints(file).catch(() => [])).some((c) => c.seq === 2); i++)
      await new Promise((r) => setTimeout(r, 20));
    await runs.record("run-1", "late", {});
    const head = await readHead(app.store.db);
    await app.close();

    const checkpoints = await readCheckpoints(file);
    // A line each time the head moved (never twice for one head), the last one at shutdown.
    const seqs = checkpoints.map((c) => c.seq);
    expect(seqs).toContain(2);
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
    expect(checkpoints.at(-1)).toMatchObject({ seq: 3, hash: head.hash });
    const logged = lines
      .map((l) => JSON.parse(l) as { msg: string; ledgerSeq?: number; ledgerHash?: string })
      .filter((l) => l.msg === "ledger checkpoint");
    expect(logged.map((l) => l.ledgerSeq)).toEqual(seqs);
  });

  it("POSTs the chain head to SENTINEL_LEDGER_CHECKPOINT_URL, and the collector's records, kept as JSON Lines, verify the chain as the file does", async () => {
    const bodies: string[] = [];
    const collector = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        if (req.headers.authorization === "Bearer collector-token") bodies.push(body);
        res.writeHead(req.headers.authorization === "Bearer collector-token" ? 204 : 401).end();
      });
    });
    await new Promise<void>((r) => collector.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/sentinel/checkpoints`;
      const app = await startFromEnv({
        PORT: "0",
        LOG_LEVEL: "silent",
        SENTINEL_DATA_DIR: ":memory:",
        SENTINEL_LEDGER_CHECKPOINT_URL: url,
        SENTINEL_LEDGER_CHECKPOINT_TOKEN: "collector-token",
        SENTINEL_LEDGER_CHECKPOINT_INTERVAL_MS: "50",
      });
      const runs = new RunStore(app.store.db);
      await runs.record("run-1", "run.started", {});
      await runs.record("run-1", "run.finished", { status: "proposed" });
      for (let i = 0; i < 100 && !bodies.some((b) => (JSON.parse(b) as { seq: number }).seq === 2); i++)
        await new Promise((r) => setTimeout(r, 20));

      // What a collector that appends each body as a line keeps is a checkpoint file.
      const dir = mkdtempSync(path.join(tmpdir(), "sentinel-collected-"));
      dirs.push(dir);
      const collected = path.join(dir, "collected.jsonl");
      writeFileSync(collected, bodies.map((b) => b + "\n").join(""));
      const checkpoints = await readCheckpoints(collected);
      const result = await verifyChain(readLedger(app.store.db), { head: await readHead(app.store.db), checkpoints });
      await app.close();
      expect(checkpoints.map((c) => c.seq)).toContain(2);
      // The checkpoint of the empty ledger (seq 0) names no entry to match.
      expect(result).toMatchObject({ ok: true, checkpointsMatched: checkpoints.filter((c) => c.seq > 0).length });
    } finally {
      collector.closeAllConnections();
      await new Promise((r) => collector.close(r));
    }
  });
});
