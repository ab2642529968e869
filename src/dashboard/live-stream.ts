import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { LiveFeed, LiveRecord } from "../live/index.js";

export interface LiveStreamOptions {
  /** A comment line this often keeps proxies from closing an idle stream (most cut at 60 s). */
  readonly heartbeatMs?: number;
  /** A finished run's stream closes after this long without events: its replay is done. */
  readonly quietCloseMs?: number;
  /** Streams open at once across all viewers; each may hold a Redis connection. */
  readonly maxStreams?: number;
  /** A viewer this far behind (bytes buffered) is dropped; its EventSource resumes from its Last-Event-ID. */
  readonly maxBufferedBytes?: number;
}

/** Ids the live feeds issue: a counter (in memory) or a Redis stream id. Anything else is ignored. */
const EVENT_ID = /^\d{1,20}(-\d{1,20})?$/;

/**
 * Server-sent events of one run's live feed: replays what the feed keeps after the viewer's
 * Last-Event-ID, then follows new events until the run ends or the viewer leaves. Each write goes
 * straight to the socket (no compression, no proxy buffering), and every stream is torn down on
 * disconnect so a closed tab holds no subscription.
 */
export class LiveStreams {
  private readonly open = new Set<() => void>();
  private readonly heartbeatMs: number;
  private readonly quietCloseMs: number;
  private readonly maxStreams: number;
  private readonly maxBufferedBytes: number;

  constructor(
    private readonly live: LiveFeed,
    private readonly logger: Logger,
    options: LiveStreamOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.quietCloseMs = options.quietCloseMs ?? 3_000;
    this.maxStreams = options.maxStreams ?? 100;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
  }

  get size(): number {
    return this.open.size;
  }

  /**
   * Streams `runId`. `stillRunning` is asked on each heartbeat: a run that ended without its
   * `end` event reaching us (a worker killed mid-run) still closes its streams.
   */
  handle(
    req: IncomingMessage,
    res: ServerResponse,
    runId: string,
    running: boolean,
    stillRunning: () => Promise<boolean>,
  ): void {
    const header = req.headers["last-event-id"];
    const lastEventId = typeof header === "string" && EVENT_ID.test(header.trim()) ? header.trim() : undefined;
    if (!running && lastEventId !== undefined) {
      // A reconnect to a run that is over: 204 tells EventSource to stop reconnecting.
      res.writeHead(204);
      res.end();
      return;
    }
    if (this.open.size >= this.maxStreams) {
      res.writeHead(503, { "content-type": "text/plain; charset=utf-8", "retry-after": "10" });
      res.end(`too many live streams open (${this.maxStreams}); close other dashboard tabs\n`);
      return;
    }
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      connection: "keep-alive",
      // nginx and similar proxies buffer responses unless told not to.
      "x-accel-buffering": "no",
    });
    req.socket.setNoDelay(true);
    res.write("retry: 3000\n\n");

    let closed = false;
    let lastEventAt = Date.now();
    let quietTimer: NodeJS.Timeout | null = null;
    const finish = () => {
      if (closed) return;
      closed = true;
      this.open.delete(finish);
      unsubscribe?.();
      clearInterval(heartbeat);
      if (quietTimer) clearTimeout(quietTimer);
      if (!res.writableEnded) res.end();
    };
    this.open.add(finish);
    req.on("close", finish);
    res.on("close", finish);
    res.on("error", finish);

    const armQuietClose = () => {
      if (running) return;
      if (quietTimer) clearTimeout(quietTimer);
      quietTimer = setTimeout(finish, this.quietCloseMs);
    };
    const heartbeat = setInterval(() => {
      if (closed) return;
      res.write(": keepalive\n\n");
      if (running && Date.now() - lastEventAt > this.heartbeatMs) {
        stillRunning().then(
          (yes) => {
            if (!yes && !closed) {
              running = false;
              armQuietClose();
            }
          },
          () => {},
        );
      }
    }, this.heartbeatMs);
    heartbeat.unref();

    const send = (record: LiveRecord) => {
      if (closed) return;
      lastEventAt = Date.now();
      // One JSON line: the data field cannot contain a raw newline, so a log line cannot forge an event.
      res.write(`id: ${record.id}\nevent: ${record.event.kind}\ndata: ${JSON.stringify(record.event)}\n\n`);
      if (record.event.kind === "end") return finish();
      if (res.writableLength > this.maxBufferedBytes) {
        this.logger.info(
          { runId, buffered: res.writableLength },
          "live viewer too slow; dropping it (it resumes from its last event)",
        );
        return finish();
      }
      armQuietClose();
    };
    let unsubscribe: (() => void) | null = null;
    try {
      unsubscribe = this.live.subscribe(runId, send, lastEventId);
    } catch (error) {
      this.logger.warn({ err: error, runId }, "could not subscribe to the run's live feed");
      return finish();
    }
    // The subscription may have replayed an `end` synchronously.
    if (closed) unsubscribe();
    else armQuietClose();
  }

  /** Ends every open stream (the dashboard is shutting down). */
  closeAll(): void {
    for (const finish of [...this.open]) finish();
  }
}
