import type { Server } from "node:http";

/** How long requests in flight get to finish at shutdown before their connections are cut. */
const SHUTDOWN_DRAIN_MS = 10_000;

/**
 * Stops accepting connections and waits for requests in flight. Idle keep-alive sockets close at
 * once (Node does that in close()); a client still sending a body, or one that never reads its
 * answer, is cut after SHUTDOWN_DRAIN_MS so that shutdown always ends.
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => server.closeAllConnections(), SHUTDOWN_DRAIN_MS);
    timer.unref();
    server.close((err) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    });
  });
}
