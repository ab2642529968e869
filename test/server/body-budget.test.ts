import { createHmac } from "node:crypto";
import { request, type Server } from "node:http";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { BodyBudget } from "../../src/server/body-budget.js";
import { BodyNoRoomError } from "../../src/server/body-errors.js";
import { bodyBudgetOf, createHttpServer } from "../../src/server/create-http-server.js";

/** Resolves once `check` holds, polling; the test's own timeout is the hang guard. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

describe("the body budget", () => {
  it("takes bytes as they arrive, counting them per request and per client", () => {
    const budget = new BodyBudget(100);
    const a = budget.open("10.0.0.1");
    const b = budget.open("10.0.0.2");
    expect(a.tryTake(30)).toBe(true);
    expect(a.tryTake(20)).toBe(true);
    expect(b.tryTake(40)).toBe(true);
    expect([a.held, b.held, budget.heldBy("10.0.0.1"), budget.inUse]).toEqual([50, 40, 50, 90]);
    expect(b.tryTake(20)).toBe(false);
  });

  it("grants waiting requests oldest first once bytes are given back", async () => {
    const budget = new BodyBudget(10);
    const holder = budget.open("a");
    holder.tryTake(10);
    const older = budget.open("b");
    const younger = budget.open("c");
    const order: string[] = [];
    // The younger one asks first; the older one still goes first.
    const y = younger.waitFor(4, 1000).then(() => order.push("younger"));
    const o = older.waitFor(6, 1000).then(() => order.push("older"));
    holder.release();
    await Promise.all([o, y]);
    expect(order).toEqual(["older", "younger"]);
    expect(budget.inUse).toBe(10);
  });

  it("does not let a newcomer take room that an earlier request is queued for", async () => {
    const budget = new BodyBudget(10);
    const holder = budget.open("a");
    holder.tryTake(8);
    const queued = budget.open("b");
    const wait = queued.waitFor(4, 60_000);
    expect(budget.open("c").tryTake(2)).toBe(false);
    queued.release();
    await expect(wait).rejects.toMatchObject({ reason: "closed" });
  });

  it("refuses a request that waited too long, gives back what it held, and lets the ones behind it in", async () => {
    const budget = new BodyBudget(10);
    const slow = budget.open("a");
    slow.tryTake(6);
    const impatient = budget.open("b");
    impatient.tryTake(2);
    const refused = impatient.waitFor(4, 30);
    const patient = budget.open("c").waitFor(2, 1000);
    await expect(refused).rejects.toMatchObject({ code: "E_BODY_NO_ROOM", reason: "timeout" });
    await patient;
    expect(budget.inUse).toBe(8);
    expect(budget.heldBy("b")).toBe(0);
  });

  it("keeps one client within its share while other clients still get room", async () => {
    const budget = new BodyBudget(100, 25);
    const first = budget.open("attacker");
    expect(first.tryTake(20)).toBe(true);
    const second = budget.open("attacker");
    expect(second.tryTake(10)).toBe(false);
    const waiting = second.waitFor(10, 30);
    // The attacker's waiting request does not hold anyone else back.
    expect(budget.open("github").tryTake(25)).toBe(true);
    expect(budget.open("gitlab").tryTake(25)).toBe(true);
    await expect(waiting).rejects.toBeInstanceOf(BodyNoRoomError);
    expect(budget.heldBy("attacker")).toBe(20);
  });

  it("refuses the youngest holder at once when every holder waits for room, so the older ones finish", async () => {
    const budget = new BodyBudget(10);
    const older = budget.open("a");
    const younger = budget.open("b");
    older.tryTake(5);
    younger.tryTake(5);
    const o = older.waitFor(3, 60_000);
    const y = younger.waitFor(3, 60_000);
    await expect(y).rejects.toMatchObject({ code: "E_BODY_NO_ROOM", reason: "deadlock" });
    await o;
    expect([older.held, younger.held, budget.inUse]).toEqual([8, 0, 8]);
  });

  it("breaks a deadlock within one client's share the same way, leaving other clients alone", async () => {
    const budget = new BodyBudget(100, 10);
    const bystander = budget.open("other");
    bystander.tryTake(8);
    const older = budget.open("a");
    const younger = budget.open("a");
    older.tryTake(5);
    younger.tryTake(5);
    const o = older.waitFor(3, 60_000);
    const y = younger.waitFor(3, 60_000);
    await expect(y).rejects.toMatchObject({ reason: "deadlock" });
    await o;
    expect(bystander.held).toBe(8);
  });

  it("does not refuse anyone while a holder that is not waiting can still give bytes back", async () => {
    const budget = new BodyBudget(10);
    const reading = budget.open("a");
    reading.tryTake(5);
    const waiting = budget.open("b");
    waiting.tryTake(5);
    const granted = waiting.waitFor(3, 60_000);
    expect(budget.waiting).toBe(1);
    reading.release();
    await granted;
    expect(waiting.held).toBe(8);
  });

  it("counts a release once, however often it is called, and ends a pending wait", async () => {
    const budget = new BodyBudget(10);
    const holder = budget.open("a");
    holder.tryTake(8);
    const other = budget.open("b");
    other.tryTake(2);
    const pending = other.waitFor(5, 60_000);
    other.release();
    other.release();
    await expect(pending).rejects.toMatchObject({ reason: "closed" });
    holder.release();
    holder.release();
    expect(budget.inUse).toBe(0);
    expect(budget.waiting).toBe(0);
  });
});

describe("the body budget under any order of takes, waits and releases", () => {
  it("never holds more than its limit or a client more than its share, and never leaves a waiter nobody can serve", async () => {
    let seed = 7;
    const random = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), (seed >>> 16) % n);
    const budget = new BodyBudget(40, 16);
    const clients = ["a", "b", "c"];
    const open: Array<{ account: ReturnType<BodyBudget["open"]>; need: number | null; closed: boolean }> = [];
    for (let step = 0; step < 2000; step++) {
      // A few requests at a time that mostly ask for more, so the budget fills and deadlocks form.
      const op = [0, 1, 1, 2, 2, 2, 2, 3][random(8)] as number;
      const live = open.filter((o) => !o.closed);
      const pick = live[random(Math.max(1, live.length))];
      if ((op === 0 && live.length < 6) || !pick)
        open.push({ account: budget.open(clients[random(3)] as string), need: null, closed: false });
      else if (op === 1 && pick.need === null) pick.account.tryTake(1 + random(8));
      else if (op === 2 && pick.need === null) {
        const need = 1 + random(8);
        pick.need = need;
        pick.account.waitFor(need, 60_000).then(
          () => void (pick.need = null),
          () => void ((pick.need = null), (pick.closed = true)),
        );
      } else if (op === 3) {
        pick.account.release();
        pick.closed = true;
      }
      await new Promise((r) => setImmediate(r));

      const held = open.filter((o) => !o.closed).reduce((n, o) => n + o.account.held, 0);
      expect(budget.inUse).toBe(held);
      expect(budget.inUse).toBeLessThanOrEqual(40);
      for (const c of clients) expect(budget.heldBy(c)).toBeLessThanOrEqual(16);
      // Every waiter has someone still reading (not waiting) who holds bytes it waits on.
      const active = open.filter((o) => !o.closed && o.need === null && o.account.held > 0);
      for (const w of open.filter((o) => !o.closed && o.need !== null)) {
        const ownShare = budget.heldBy(w.account.client) + (w.need as number) > 16;
        expect(ownShare ? active.some((o) => o.account.client === w.account.client) : active.length > 0).toBe(true);
      }
    }
    for (const o of open) o.account.release();
    expect(budget.inUse).toBe(0);
    expect(budget.waiting).toBe(0);
  });
});

describe("GitHub deliveries while the body budget is full", () => {
  const SECRET = "budget-secret";
  const LIMIT = 64 * 1024;
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? (server.closeAllConnections(), server.close(() => r())) : r())));

  // A budget of one largest delivery (64 KiB here); slow clients are not cut in these tests.
  async function start(options: { bodyBudgetWaitMs?: number } = {}): Promise<number> {
    const github = (_req: unknown, res: { writeHead: (s: number) => { end: (t: string) => void } }) =>
      res.writeHead(200).end("ok\n");
    server = createHttpServer({
      logger: pino({ level: "silent" }),
      version: "test",
      mode: {},
      github: github as never,
      githubWebhookSecret: SECRET,
      maxGithubBodyBytes: LIMIT,
      bodyBudgetBytes: LIMIT,
      bodyBudgetWaitMs: 300,
      bodyMinBytesPerSecond: 0,
      bodyDeadlineMs: 60_000,
      ...options,
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    return (server!.address() as { port: number }).port;
  }

  const deliver = (port: number, body = JSON.stringify({ action: "completed" })) =>
    fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "ping",
        "x-github-delivery": "d-1",
        "x-hub-signature-256": "sha256=" + createHmac("sha256", SECRET).update(body).digest("hex"),
      },
      body,
    });

  /** An upload declaring the largest body that sends `sent` bytes of it and then stalls. */
  function stalledUpload(port: number, sent: number, localAddress = "127.0.0.1") {
    const req = request({
      port,
      host: "127.0.0.1",
      localAddress,
      method: "POST",
      path: "/api/github/webhooks",
      headers: {
        "content-type": "application/json",
        "content-length": String(LIMIT),
        "x-hub-signature-256": "sha256=00",
      },
    });
    req.on("error", () => {});
    req.write("x".repeat(sent));
    return req;
  }

  it("are answered 429 with Retry-After while uploads hold all of it, and read as usual once they are gone", async () => {
    const port = await start();
    const stalled = stalledUpload(port, LIMIT - 16);
    await until(() => bodyBudgetOf(server!)!.inUse === LIMIT - 16);

    const refused = await deliver(port);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(await refused.json()).toEqual({
      error: "too many large request bodies are being received at once; retry shortly",
    });

    stalled.destroy();
    await until(() => bodyBudgetOf(server!)!.inUse === 0);
    expect((await deliver(port)).status).toBe(200);
  });

  it("are read in full once the bytes ahead of them are given back, when that happens within the wait", async () => {
    const port = await start({ bodyBudgetWaitMs: 60_000 });
    const stalled = stalledUpload(port, LIMIT - 1024, "127.0.0.2");
    await until(() => bodyBudgetOf(server!)!.inUse === LIMIT - 1024);
    // 40 KiB does not fit yet: its first chunk waits for room with the rest left in the socket.
    const answer = deliver(port, JSON.stringify({ action: "completed", padding: "p".repeat(40 * 1024) }));
    await until(() => bodyBudgetOf(server!)!.waiting === 1);
    stalled.destroy();
    // The signature matches only if the chunk that waited went in where it belongs.
    expect((await answer).status).toBe(200);
  });
});
