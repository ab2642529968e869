import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import net from "node:net";
import { privateAllowList } from "./address-policy.js";
import type { EgressPolicy } from "./egress-policy.js";
import { handleHttpRequest } from "./egress-forward.js";
import { clean, decideEgress, dialFirst, type EgressHandlerContext, type EgressNet } from "./egress-route.js";
import { handleConnect } from "./egress-tunnel.js";
import { logToStderr, type OnError } from "../core/index.js";

export type { EgressNet } from "./egress-route.js";

/** A request the proxy turned down, for the run's audit ledger. */
export interface EgressRefusal {
  readonly host: string;
  readonly port: number;
  readonly reason: string;
}

export const systemEgressNet: EgressNet = {
  lookup: async (host) => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address),
  connect: (address, port) => net.connect({ host: address, port }),
};

export interface EgressProxyOptions {
  readonly policy: EgressPolicy;
  /** Where to listen: a unix socket in a directory only the worker (and the step's sandbox) can reach. */
  readonly socketPath: string;
  readonly onRefused?: (r: EgressRefusal) => void;
  /** A request handler that threw (a fault of the proxy, not of the step); default stderr. */
  readonly onError?: OnError;
  readonly net?: EgressNet;
  /** Connections open at once, tunnels included (default 64). */
  readonly maxConnections?: number;
  /** A connection with no traffic either way for this long is closed (default 60 s). */
  readonly idleTimeoutMs?: number;
}

export interface EgressProxy {
  readonly socketPath: string;
  /** How many requests were refused so far. */
  refusals(): number;
  close(): Promise<void>;
}

/**
 * An HTTP proxy for one step: CONNECT to allowlisted host:port (443 unless the rule names a
 * port) and absolute-URI plain HTTP to allowlisted hosts (port 80 by default). A name is
 * resolved here, every address it resolves to must pass the address policy, and the connection
 * goes to an address that passed: what was checked is what is dialled. Everything else is
 * answered 403 with a one-line reason and reported through `onRefused`.
 */
export async function startEgressProxy(o: EgressProxyOptions): Promise<EgressProxy> {
  const netImpl = o.net ?? systemEgressNet;
  const maxConnections = o.maxConnections ?? 64;
  const idleMs = o.idleTimeoutMs ?? 60_000;
  const privateList = privateAllowList(o.policy.allowPrivate);
  const sockets = new Set<net.Socket>();
  const turnedAway = new WeakSet<net.Socket>();
  let refused = 0;
  let active = 0;

  const track = (s: net.Socket) => {
    sockets.add(s);
    s.setTimeout(idleMs, () => s.destroy());
    s.on("close", () => sockets.delete(s));
    // A peer resetting or timing out is routine for a proxy: the connection ends, nothing else.
    s.on("error", () => s.destroy());
  };
  const report = (host: string, port: number, reason: string) => {
    refused++;
    o.onRefused?.({ host: clean(host), port, reason: clean(reason) });
  };

  const ctx: EgressHandlerContext = {
    idleMs,
    turnedAway: (socket) => turnedAway.has(socket),
    decide: (host, port, kind) => decideEgress(o.policy, privateList, netImpl, { host, port, kind }),
    dial: (addresses, port) => dialFirst(netImpl, addresses, port, track),
    report,
  };

  const server = http.createServer();
  server.on("connection", (socket: net.Socket) => {
    if (active >= maxConnections) {
      // The HTTP parser is attached already: remember the socket so no request on it is served.
      turnedAway.add(socket);
      report("", 0, `more than ${maxConnections} connections at once`);
      socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      socket.destroySoon();
      return;
    }
    active++;
    socket.on("close", () => active--);
    track(socket);
  });

  // A handler that throws must cost the client its connection, never the worker its process.
  const handlerFailed = (error: unknown, socket: net.Socket, kind: string) => {
    (o.onError ?? logToStderr)(error, `egress proxy ${kind} handler`);
    socket.destroy();
  };
  server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    void handleConnect(ctx, req, client, head).catch((e: unknown) => handlerFailed(e, client, "CONNECT"));
  });
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    void handleHttpRequest(ctx, req, res).catch((e: unknown) => handlerFailed(e, req.socket, "request"));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });

  return {
    socketPath: o.socketPath,
    refusals: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
