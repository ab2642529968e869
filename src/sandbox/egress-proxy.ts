import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import net from "node:net";
import { checkAddress, privateAllowList } from "./address-policy.js";
import type { EgressPolicy } from "./egress-policy.js";
import { normalizeHost, refuseByRules, splitHostPort, type RequestKind } from "./host-rules.js";
import { logToStderr, type OnError } from "../core/index.js";

/** A request the proxy turned down, for the run's audit ledger. */
export interface EgressRefusal {
  readonly host: string;
  readonly port: number;
  readonly reason: string;
}

/** How the proxy resolves names and opens connections; tests replace it, nothing else does. */
export interface EgressNet {
  lookup(host: string): Promise<readonly string[]>;
  connect(address: string, port: number): net.Socket;
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

type Decision = { addresses: readonly string[] } | { refused: string } | { failed: string };

/** One line, bounded: a client controls the host text. */
function clean(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, 200);
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

  async function decide(host: string, port: number, kind: RequestKind): Promise<Decision> {
    const byRules = refuseByRules(o.policy.allow, host, port, kind);
    if (byRules) return { refused: byRules };
    const name = normalizeHost(host) as string;
    let addresses: readonly string[];
    if (net.isIP(name) !== 0) addresses = [name];
    else {
      try {
        addresses = await netImpl.lookup(name);
      } catch (error) {
        return { failed: `cannot resolve ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
      }
    }
    if (addresses.length === 0) return { failed: `${name} has no address` };
    for (const address of addresses) {
      const why = checkAddress(address, privateList);
      if (why) return { refused: `${name} resolves to ${why}` };
    }
    return { addresses };
  }

  /** The first checked address that accepts a connection. */
  function dial(addresses: readonly string[], port: number): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const attempt = (i: number, last?: Error) => {
        const address = addresses[i];
        if (address === undefined) return reject(last ?? new Error("no address"));
        const s = netImpl.connect(address, port);
        track(s);
        s.once("connect", () => resolve(s));
        s.once("error", (e) => attempt(i + 1, e));
      };
      attempt(0);
    });
  }

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
  server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => void onConnect(req, client, head).catch((e: unknown) => handlerFailed(e, client, "CONNECT")));
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => void onRequest(req, res).catch((e: unknown) => handlerFailed(e, req.socket, "request")));

  async function onConnect(req: http.IncomingMessage, client: net.Socket, head: Buffer): Promise<void> {
    if (turnedAway.has(client)) return void client.destroy();
    const target = splitHostPort(req.url ?? "");
    const host = target?.host ?? req.url ?? "";
    const port = target?.port ?? 443;
    const refuse = (status: number, reason: string) => {
      const body = `sentinel egress proxy: ${clean(reason)}\n`;
      client.end(`HTTP/1.1 ${status} ${status === 403 ? "Forbidden" : "Bad Gateway"}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    client.setTimeout(idleMs, () => client.destroy());
    const d = await decide(host, port, "connect");
    if ("refused" in d) {
      report(host, port, d.refused);
      return refuse(403, d.refused);
    }
    if ("failed" in d) return refuse(502, d.failed);
    let upstream: net.Socket;
    try {
      upstream = await dial(d.addresses, port);
    } catch (error) {
      return refuse(502, `cannot connect to ${host}:${port}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (client.destroyed) return void upstream.destroy();
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) upstream.write(head);
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  }

  async function onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (turnedAway.has(req.socket)) return void req.socket.destroy();
    const refuse = (status: number, host: string, port: number, reason: string, audit: boolean) => {
      if (audit) report(host, port, reason);
      res.writeHead(status, { "content-type": "text/plain", connection: "close" }).end(`sentinel egress proxy: ${clean(reason)}\n`);
    };
    let url: URL;
    try {
      url = new URL(req.url ?? "");
    } catch {
      return refuse(403, "", 0, "not a proxy request: send CONNECT host:port or an absolute http:// URI", true);
    }
    const port = url.port ? Number(url.port) : 80;
    if (url.protocol !== "http:") return refuse(403, url.hostname, port, `${url.protocol}// is not proxied as plain HTTP: use CONNECT`, true);
    const d = await decide(url.hostname, port, "http");
    if ("refused" in d) return refuse(403, url.hostname, port, d.refused, true);
    if ("failed" in d) return refuse(502, url.hostname, port, d.failed, false);
    let upstream: net.Socket;
    try {
      upstream = await dial(d.addresses, port);
    } catch (error) {
      return refuse(502, url.hostname, port, `cannot connect: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, false);
    }
    const hop = new Set(["connection", "proxy-connection", "keep-alive", "proxy-authorization", "te", "trailer", "upgrade", "host"]);
    for (const name of (req.headers.connection ?? "").split(",")) hop.add(name.trim().toLowerCase());
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !hop.has(k)));
    // The Host header names what the URL names: no reaching another site behind the same address.
    // No agent: with `createConnection` alone, Node uses exactly the socket that was checked.
    const forward = http.request({ method: req.method, path: url.pathname + url.search, headers: { ...headers, host: url.host }, createConnection: () => upstream });
    forward.on("response", (up) => {
      res.writeHead(up.statusCode ?? 502, Object.fromEntries(Object.entries(up.headers).filter(([k]) => !hop.has(k))));
      up.pipe(res);
    });
    forward.on("error", (e) => (res.headersSent ? res.destroy() : refuse(502, url.hostname, port, `upstream: ${e.message}`, false)));
    req.pipe(forward);
  }

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
