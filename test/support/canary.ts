import { createServer, type IncomingHttpHeaders } from "node:http";
import { afterAll } from "vitest";

export interface Canary {
  /** `http://127.0.0.1:<port>`: a URL an attacker would like Sentinel to dial. */
  readonly origin: string;
  /** Every request that reached it, with its headers. */
  readonly hits: Array<{ method: string; path: string; headers: IncomingHttpHeaders }>;
}

/**
 * A listener on loopback that records whatever reaches it and answers 404 (or `respond`'s
 * answer): the attacker's server in tests that show a token, a request or a connection never
 * gets there. Closed after the test file.
 */
export async function canary(
  respond?: (path: string) => { status: number; headers?: Record<string, string> },
): Promise<Canary> {
  const started = await startCanary(respond);
  afterAll(() => started.close());
  return started;
}

/** The same, outside vitest (bench:attacks): the caller closes it. */
export async function startCanary(
  respond?: (path: string) => { status: number; headers?: Record<string, string> },
): Promise<Canary & { close(): Promise<void> }> {
  const hits: Canary["hits"] = [];
  const server = createServer((req, res) => {
    hits.push({ method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers });
    const answer = respond?.(req.url ?? "/") ?? { status: 404 };
    res.writeHead(answer.status, answer.headers ?? {});
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
