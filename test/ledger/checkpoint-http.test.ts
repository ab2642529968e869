import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { readCheckpoints, startCheckpointer, type LedgerSql } from "../../src/ledger/index.js";

// The checkpointer's HTTP sink against a real local HTTP server; the ledger is a fake head (the
// port startCheckpointer reads), so each case sets exactly the head it needs.

interface Received {
  readonly headers: IncomingMessage["headers"];
  readonly body: unknown;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    // Hung requests and fetch's idle keep-alive sockets would hold close() for seconds.
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A collector that answers each POST with what `answer` says for the n-th one (0-based). */
async function collector(
  answer: (n: number, res: ServerResponse) => void = (_n, res) => res.writeHead(204).end(),
): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString()));
    req.on("end", () => {
      received.push({ headers: req.headers, body: JSON.parse(text) as unknown });
      answer(received.length - 1, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/checkpoints`, received };
}

/** A ledger whose head is whatever the test last set. */
function fakeLedger(seq: number) {
  const head = { seq, hash: hashOf(seq) };
  const db: LedgerSql = {
    query: async <Row>() => ({ rows: [{ seq: head.seq, hash: head.hash }] as Row[], rowCount: 1 }),
  };
  return { db, move: (to: number) => Object.assign(head, { seq: to, hash: hashOf(to) }) };
}
const hashOf = (seq: number) => seq.toString(16).padStart(64, "0");

function capturedLogger() {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  stream.on("data", (c: Buffer) =>
    lines.push(
      ...c
        .toString()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    ),
  );
  return { logger: pino({ level: "info" }, stream), lines };
}

const until = async (done: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!done()) throw new Error(`timed out waiting for ${what}`);
};

describe("the ledger checkpointer's HTTP sink", () => {
  it("POSTs the chain head as the checkpoint file's JSON record, with the bearer token", async () => {
    const c = await collector();
    const { db } = fakeLedger(7);
    const { logger } = capturedLogger();
    const cp = startCheckpointer(db, { url: c.url, token: "s3cret", intervalMs: 60_000, logger });
    await cp.stop();
    expect(c.received).toHaveLength(1);
    const [{ headers, body }] = c.received as [Received];
    expect(headers.authorization).toBe("Bearer s3cret");
    expect(headers["content-type"]).toBe("application/json");
    expect(body).toEqual({ seq: 7, hash: hashOf(7), at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it("posts each head once, and again only when it moved", async () => {
    const c = await collector();
    const ledger = fakeLedger(1);
    const cp = startCheckpointer(ledger.db, { url: c.url, intervalMs: 20, logger: capturedLogger().logger });
    await until(() => c.received.length === 1, "the first POST");
    await new Promise((r) => setTimeout(r, 100));
    ledger.move(2);
    await until(() => c.received.length === 2, "the second POST");
    await cp.stop();
    expect(c.received.map((r) => (r.body as { seq: number }).seq)).toEqual([1, 2]);
    expect(c.received[0]!.headers.authorization).toBeUndefined();
  });

  it("logs a failed POST without the token and tries again next round, while the file sink carries on", async () => {
    const c = await collector((n, res) => res.writeHead(n < 2 ? 503 : 201).end());
    const { logger, lines } = capturedLogger();
    const file = path.join(mkdtempSync(path.join(tmpdir(), "sentinel-checkpoints-")), "checkpoints.jsonl");
    const cp = startCheckpointer(fakeLedger(3).db, {
      file,
      url: `${c.url}?sig=abc`,
      token: "s3cret",
      intervalMs: 20,
      logger,
    });
    await until(() => c.received.length === 3, "the third attempt");
    await cp.stop();
    const failures = lines.filter((l) => l.msg === "ledger checkpoint not delivered; trying again next round");
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({
      sink: "http",
      ledgerSeq: 3,
      err: "the checkpoint endpoint answered HTTP 503",
      target: c.url,
    });
    expect(JSON.stringify(lines)).not.toMatch(/s3cret|sig=abc/);
    expect(c.received).toHaveLength(3); // delivered on the third, then nothing more for that head
    expect((await readCheckpoints(file)).map((x) => x.seq)).toEqual([3]);
    rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it("gives up on a collector that does not answer within the timeout, and tries again next round", async () => {
    let hang = true;
    const c = await collector((_n, res) => (hang ? undefined : res.writeHead(200).end()));
    const { logger, lines } = capturedLogger();
    const cp = startCheckpointer(fakeLedger(4).db, { url: c.url, timeoutMs: 100, intervalMs: 50, logger });
    await until(
      () => lines.some((l) => l.msg === "ledger checkpoint not delivered; trying again next round"),
      "the timeout",
    );
    expect(String(lines.find((l) => l.sink === "http")!.err)).toMatch(/timeout|aborted/i);
    hang = false;
    const before = c.received.length;
    await until(() => c.received.length > before, "a retry");
    await cp.stop();
  });

  it("refuses a checkpoint URL that is not http(s), naming SENTINEL_LEDGER_CHECKPOINT_URL", () => {
    const { logger } = capturedLogger();
    expect(() => startCheckpointer(fakeLedger(1).db, { url: "ftp://collector/x", intervalMs: 1000, logger })).toThrow(
      /SENTINEL_LEDGER_CHECKPOINT_URL must be an http\(s\) URL/,
    );
    expect(() => startCheckpointer(fakeLedger(1).db, { url: "not a url", intervalMs: 1000, logger })).toThrow(
      /SENTINEL_LEDGER_CHECKPOINT_URL is not a URL/,
    );
    expect(() =>
      startCheckpointer(fakeLedger(1).db, { url: "https://user:pw@collector.invalid/x", intervalMs: 1000, logger }),
    ).toThrow(/put the collector's credential in SENTINEL_LEDGER_CHECKPOINT_TOKEN/);
  });

  it("warns when the token would cross the network over plain http", async () => {
    const { logger, lines } = capturedLogger();
    const cp = startCheckpointer(fakeLedger(1).db, {
      url: "http://collector.invalid/x",
      token: "t",
      timeoutMs: 50,
      intervalMs: 60_000,
      logger,
    });
    await cp.stop();
    expect(lines.map((l) => l.msg)).toContain(
      "SENTINEL_LEDGER_CHECKPOINT_TOKEN goes to a plain http:// URL and crosses the network readable: use https://",
    );
  });
});
