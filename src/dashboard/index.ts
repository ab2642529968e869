import type { Logger } from "pino";
import type { LiveFeed } from "../live/index.js";
import type { JobQueue } from "../queue/index.js";
import type { Middleware } from "../server/index.js";
import type { Store } from "../store/index.js";

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
}

/** The read-only operators' dashboard, mounted under /dashboard (being built: answers 501 until then). */
export function createDashboard(deps: DashboardDeps): Middleware {
  void deps;
  return (_req, res) => {
    res.writeHead(501, { "content-type": "text/plain; charset=utf-8" });
    res.end("the dashboard is not built yet\n");
  };
}
