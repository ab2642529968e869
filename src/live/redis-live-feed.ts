import { Redis } from "ioredis";
import { clampLine, LIVE_KEEP, type LiveEvent, type LiveFeed, type LiveRecord } from "./live-feed.js";

/**
 * Server and workers in separate processes: each run's events go to a capped Redis stream, so a
 * dashboard served by any replica can replay what it missed and follow what comes next.
 */
export class RedisLiveFeed implements LiveFeed {
  readonly kind = "redis" as const;
  private readonly publisher: Redis;
  private readonly readers = new Set<Redis>();

  constructor(
    private readonly redisUrl: string,
    private readonly prefix = "sentinel",
    /** A run's stream expires this long after its last event. */
    private readonly retainSeconds = 3600,
  ) {
    // Queued while connecting; a command that waited through one failed reconnect is dropped.
    this.publisher = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    // Viewers lose lines while Redis is away; the pipeline must not notice.
    this.publisher.on("error", () => {});
  }

  publish(runId: string, event: LiveEvent): void {
    const key = this.key(runId);
    const record = event.kind === "line" ? { ...event, text: clampLine(event.text) } : event;
    this.publisher
      .multi()
      .xadd(key, "MAXLEN", "~", String(LIVE_KEEP), "*", "e", JSON.stringify({ at: Date.now(), event: record }))
      .expire(key, this.retainSeconds)
      .exec()
      .catch(() => {});
  }

  subscribe(runId: string, listener: (record: LiveRecord) => void, afterId = "0"): () => void {
    const key = this.key(runId);
    const reader = new Redis(this.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    reader.on("error", () => {});
    this.readers.add(reader);
    let open = true;
    let last = afterId;
    void (async () => {
      while (open) {
        try {
          const got = (await reader.xread("BLOCK", 5000, "STREAMS", key, last)) as Array<[string, Array<[string, string[]]>]> | null;
          for (const [, entries] of got ?? []) {
            for (const [id, fields] of entries) {
              last = id;
              const parsed = JSON.parse(fields[1] ?? "{}") as { at: number; event: LiveEvent };
              if (open) listener({ id, runId, at: parsed.at, event: parsed.event });
            }
          }
        } catch {
          if (!open) return;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    })();
    return () => {
      open = false;
      this.readers.delete(reader);
      reader.disconnect();
    };
  }

  async close(): Promise<void> {
    for (const r of this.readers) r.disconnect();
    this.readers.clear();
    this.publisher.disconnect();
  }

  private key(runId: string): string {
    return `${this.prefix}:live:${runId}`;
  }
}
