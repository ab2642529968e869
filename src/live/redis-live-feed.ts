import { Redis } from "ioredis";
import { logToStderr, type OnError } from "../core/index.js";
import { clampLine, LIVE_KEEP, type LiveEvent, type LiveFeed, type LiveRecord } from "./live-feed.js";

/**
 * Server and workers in separate processes: each run's events go to a capped Redis stream, so a
 * dashboard served by any replica can replay what it missed and follow what comes next.
 */
export class RedisLiveFeed implements LiveFeed {
  readonly kind = "redis" as const;
  private readonly publisher: Redis;
  private readonly readers = new Set<Redis>();
  /** Set while publishing fails, so a Redis that is away costs one log line, not one per line of output. */
  private publishFailing = false;

  constructor(
    private readonly redisUrl: string,
    private readonly prefix = "sentinel",
    /** A run's stream expires this long after its last event. */
    private readonly retainSeconds = 3600,
    /** Where connection and publishing errors go (the caller's logger); default stderr. */
    private readonly onError: OnError = logToStderr,
  ) {
    // Queued while connecting; a command that waited through one failed reconnect is dropped.
    this.publisher = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    // Viewers lose lines while Redis is away; the pipeline must not notice, but the log must.
    this.publisher.on("error", (error) => this.onError(error, "live feed publisher connection"));
  }

  publish(runId: string, event: LiveEvent): void {
    const key = this.key(runId);
    const record = event.kind === "line" ? { ...event, text: clampLine(event.text) } : event;
    this.publisher
      .multi()
      .xadd(key, "MAXLEN", "~", String(LIVE_KEEP), "*", "e", JSON.stringify({ at: Date.now(), event: record }))
      .expire(key, this.retainSeconds)
      .exec()
      .then(() => {
        this.publishFailing = false;
      })
      .catch((error: unknown) => {
        if (!this.publishFailing)
          this.onError(error, "live feed publish (later failures are not logged until one succeeds)");
        this.publishFailing = true;
      });
  }

  subscribe(runId: string, listener: (record: LiveRecord) => void, afterId = "0"): () => void {
    const key = this.key(runId);
    const reader = new Redis(this.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    reader.on("error", (error) => this.onError(error, `live feed reader of run ${runId}`));
    this.readers.add(reader);
    let open = true;
    let last = afterId;
    void (async () => {
      while (open) {
        try {
          const got = (await reader.xread("BLOCK", 5000, "STREAMS", key, last)) as Array<
            [string, Array<[string, string[]]>]
          > | null;
          for (const [, entries] of got ?? []) {
            for (const [id, fields] of entries) {
              last = id;
              const parsed = JSON.parse(fields[1] ?? "{}") as { at: number; event: LiveEvent };
              if (open) listener({ id, runId, at: parsed.at, event: parsed.event });
            }
          }
        } catch (error) {
          if (!open) return;
          // Connection errors reach the log through the reader's error listener; anything else (a
          // malformed entry) is told here. Either way the reader waits and reads again.
          if (reader.status === "ready") this.onError(error, `live feed read of run ${runId}`);
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
