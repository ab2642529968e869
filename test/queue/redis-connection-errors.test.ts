import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RedisLiveFeed } from "../../src/live/index.js";
import { BullQueue, safeJobId } from "../../src/queue/index.js";

/** A port nothing listens on: taken from the OS, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A throwaway redis-server of this test's own, so it can be killed without touching the shared one. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--save", "", "--appendonly", "no", "--daemonize", "no"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("Ready to accept connections")) resolve();
    });
  });
  return child;
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("Redis clients whose server is away", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("a live feed logs the publisher's connection error instead of dropping it", async () => {
    const port = await freePort();
    const logged: string[] = [];
    const feed = new RedisLiveFeed(`redis://127.0.0.1:${port}`, "nowhere", 3600, (error, context) =>
      logged.push(`${context}: ${String(error)}`),
    );
    cleanups.push(() => feed.close());
    feed.publish("run-x", { kind: "phase", phase: "EXECUTE" });
    await until(() => logged.some((l) => l.startsWith("live feed publisher connection") && l.includes("ECONNREFUSED")));
  });

  // Without a worker: BullMQ's graceful worker close waits forever for a Redis that went away.
  it("a BullMQ queue logs its connection errors when its Redis goes away", async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    cleanups.push(() => void redis.kill("SIGKILL"));
    const logged: string[] = [];
    const queue = new BullQueue({
      redisUrl: `redis://127.0.0.1:${port}`,
      onConnectionError: (error, context) => logged.push(`${context}: ${String(error)}`),
    });
    // BullMQ's close waits for its connection, so the server comes back before the queue closes.
    cleanups.push(async () => {
      if (redis.exitCode !== null || redis.signalCode !== null) redis = await startRedis(port);
      await queue.close();
    });
    await queue.add("delivery", { deliveryKey: "d" }, { jobId: safeJobId("delivery", "d") });
    expect(await queue.depth()).toBe(1);
    expect(logged).toEqual([]);
    redis.kill("SIGKILL");
    await until(() =>
      logged.some((l) => l.startsWith("BullMQ") && /ECONNREFUSED|ECONNRESET|Connection is closed/.test(l)),
    );
  });
});
