import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { LIVE_MAX_LINE, MemoryLiveFeed, RedisLiveFeed, type LiveFeed, type LiveRecord } from "../../src/live/index.js";
import { REDIS_URL, redisAvailable } from "../support/services.js";

const FEEDS: Array<{ name: string; available: boolean; make: () => LiveFeed }> = [
  { name: "in memory", available: true, make: () => new MemoryLiveFeed() },
  {
    name: "on Redis",
    available: redisAvailable,
    make: () => new RedisLiveFeed(REDIS_URL, `sentinel-test-${randomBytes(4).toString("hex")}`),
  },
];

function collect(feed: LiveFeed, runId: string, afterId?: string) {
  const seen: LiveRecord[] = [];
  const stop = feed.subscribe(runId, (r) => seen.push(r), afterId);
  return { seen, stop };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(check()).toBe(true);
}

for (const f of FEEDS) {
  describe.skipIf(!f.available)(`a run's live feed, ${f.name}`, () => {
    it("gives a late viewer the lines already published, then the new ones, in order", async () => {
      const feed = f.make();
      feed.publish("run-a", { kind: "phase", phase: "EXECUTE" });
      feed.publish("run-a", { kind: "line", step: "fmt", lineNumber: 1, text: "Diff in src/main.rs:1:" });
      const { seen, stop } = collect(feed, "run-a");
      await until(() => seen.length === 2);
      feed.publish("run-a", {
        kind: "line",
        step: "fmt",
        lineNumber: 2,
        text: "error[E0308]",
        finding: { classification: "Error", category: "build", severity: "error", ruleId: "rustc/error" },
      });
      feed.publish("run-a", { kind: "end", status: "proposed", reason: "opened pull request #1" });
      await until(() => seen.length === 4);
      expect(seen.map((r) => r.event.kind)).toEqual(["phase", "line", "line", "end"]);
      expect(seen[2]!.event).toMatchObject({ finding: { category: "build" } });
      stop();
      await feed.close();
    });

    it("resumes after the last event a viewer saw (SSE's Last-Event-ID)", async () => {
      const feed = f.make();
      for (let n = 1; n <= 3; n++) feed.publish("run-b", { kind: "line", step: "s", lineNumber: n, text: `line ${n}` });
      const first = collect(feed, "run-b");
      await until(() => first.seen.length === 3);
      first.stop();
      const again = collect(feed, "run-b", first.seen[1]!.id);
      await until(() => again.seen.length === 1);
      expect(again.seen[0]!.event).toMatchObject({ text: "line 3" });
      again.stop();
      await feed.close();
    });

    it("keeps one run's lines apart from another's and cuts very long lines", async () => {
      const feed = f.make();
      feed.publish("run-c", { kind: "line", step: "s", lineNumber: 1, text: "x".repeat(LIVE_MAX_LINE * 3) });
      feed.publish("run-d", { kind: "line", step: "s", lineNumber: 1, text: "other" });
      const { seen, stop } = collect(feed, "run-c");
      await until(() => seen.length === 1);
      await new Promise((r) => setTimeout(r, 100));
      expect(seen).toHaveLength(1);
      expect((seen[0]!.event as { text: string }).text.length).toBeLessThanOrEqual(LIVE_MAX_LINE + 1);
      stop();
      await feed.close();
    });
  });
}

describe("a live feed on an unreachable Redis", () => {
  it("never throws at the publisher", async () => {
    const feed = new RedisLiveFeed("redis://127.0.0.1:1", "nowhere");
    expect(() => feed.publish("run-x", { kind: "phase", phase: "EXECUTE" })).not.toThrow();
    await feed.close();
  });
});
