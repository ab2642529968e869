import type { IncomingMessage, ServerResponse } from "node:http";
import type { Queue } from "bullmq";
import type { Logger } from "pino";
import { redisConnectionFromUrl } from "../queue/index.js";

/** Where Bull Board is mounted; its UI's <base href> and API calls are relative to it. */
export const QUEUE_BOARD_PATH = "/dashboard/queues";

export interface QueueBoard {
  handle(req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void;
  close(): Promise<void>;
}

/**
 * Bull Board over Sentinel's BullMQ queue, read-only. Loaded only when REDIS_URL is set (express
 * and the board stay out of processes that do not need them), and connected on first use.
 * Read-only is enforced twice: the queue adapter's readOnlyMode hides the UI's actions, and the
 * dashboard refuses every method but GET/HEAD before the board sees a request (the board's
 * mutating routes are PUT/POST/PATCH and, in this version, do not all check readOnlyMode).
 */
export async function createQueueBoard(options: {
  redisUrl: string;
  prefix?: string | undefined;
  queueName?: string;
  logger: Logger;
}): Promise<QueueBoard> {
  const [{ Queue }, { createBullBoard }, { BullMQAdapter }, { ExpressAdapter }, expressModule] = await Promise.all([
    import("bullmq"),
    import("@bull-board/api"),
    import("@bull-board/api/bullMQAdapter"),
    import("@bull-board/express"),
    import("express"),
  ]);
  const express = expressModule.default;
  // Same name and prefix as BullQueue (src/queue/bullmq-queue.ts), so the board shows Sentinel's jobs.
  const queue: Queue = new Queue(options.queueName ?? "sentinel", {
    connection: connectionFromUrl(options.redisUrl),
    ...(options.prefix ? { prefix: options.prefix } : {}),
  });
  // A Redis outage shows as errors in the board's requests; it must not crash the server, and it
  // must reach the log at a level operators see.
  queue.on("error", (err) => options.logger.warn({ err }, "queue board: Redis connection error"));
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(queue, { readOnlyMode: true, allowRetries: false, displayName: "sentinel" })],
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: "Sentinel queue",
        hideDocsLink: true,
        miscLinks: [{ text: "Back to the dashboard", url: "/dashboard" }],
      },
    },
  });
  const app = express();
  app.disable("x-powered-by");
  app.use(QUEUE_BOARD_PATH, serverAdapter.getRouter() as ReturnType<typeof express>);
  return {
    handle(req, res, next) {
      (app as unknown as (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void)(
        req,
        res,
        next,
      );
    },
    async close() {
      await queue.close();
    },
  };
}

/** The queue's own connection settings; the board's reads fail fast while Redis is away instead of queueing up forever. */
function connectionFromUrl(url: string) {
  return { ...redisConnectionFromUrl(url), maxRetriesPerRequest: 1, enableOfflineQueue: false };
}
