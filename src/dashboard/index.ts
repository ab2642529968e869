import type { Logger } from "pino";
import type { LiveFeed } from "../live/index.js";
import type { JobQueue } from "../queue/index.js";
import type { Middleware } from "../server/index.js";
import type { Store } from "../store/index.js";
import { DashboardRouter } from "./dashboard-router.js";
import type { LiveStreamOptions } from "./live-stream.js";

export interface DashboardDeps {
  readonly store: Store;
  readonly queue: JobQueue;
  readonly logger: Logger;
  /** Running pipelines' classified output, live (subscribe per run id). */
  readonly live: LiveFeed;
  /** The shared secret operators log in with (SENTINEL_DASHBOARD_TOKEN). */
  readonly token: string;
  /** BullMQ's connection, when the queue is on Redis (for queue inspection). */
  readonly redisUrl?: string;
  readonly queuePrefix?: string;
  /** Heartbeat and limits of the live view's event streams (tests shorten them). */
  readonly liveOptions?: LiveStreamOptions;
  /** The clock sessions and "so far" durations use (tests). */
  readonly now?: () => number;
}

/** The dashboard middleware, plus `close()` for its live streams and queue-board Redis connection. */
export type Dashboard = Middleware & { close(): Promise<void> };

/**
 * The read-only operators' dashboard, mounted under /dashboard: failures with their diagnoses,
 * fix runs with their phase timeline and live output, open fix pull requests, agents' tiers, and
 * the queue (Bull Board on Redis). See docs/dashboard.md.
 */
export function createDashboard(deps: DashboardDeps): Dashboard {
  const router = new DashboardRouter({
    db: deps.store.db,
    gov: deps.store.gov,
    queue: deps.queue,
    logger: deps.logger,
    live: deps.live,
    token: deps.token,
    redisUrl: deps.redisUrl,
    queuePrefix: deps.queuePrefix,
    liveOptions: deps.liveOptions,
    now: deps.now,
  });
  const middleware: Middleware = (req, res, next) =>
    router
      .handle(req, res, (err) => (next ? next(err) : undefined))
      .catch((error: unknown) => {
        deps.logger.error({ err: error, url: req.url }, "dashboard request failed");
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
          res.end("the dashboard failed to answer; the server log has the error\n");
        } else res.end();
      });
  return Object.assign(middleware, { close: () => router.close() });
}
