import http from "node:http";
import type net from "node:net";
import { clean, errorReason, type EgressHandlerContext } from "./egress-route.js";

const HOP_BY_HOP = [
  "connection",
  "proxy-connection",
  "keep-alive",
  "proxy-authorization",
  "te",
  "trailer",
  "upgrade",
  "host",
];

/** An absolute-URI plain HTTP request (port 80 by default), forwarded over a checked socket. */
export async function handleHttpRequest(
  ctx: EgressHandlerContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  if (ctx.turnedAway(req.socket)) return void req.socket.destroy();
  const refuse = (status: number, host: string, port: number, reason: string, audit: boolean) => {
    if (audit) ctx.report(host, port, reason);
    res
      .writeHead(status, { "content-type": "text/plain", connection: "close" })
      .end(`sentinel egress proxy: ${clean(reason)}\n`);
  };
  let url: URL;
  try {
    url = new URL(req.url ?? "");
  } catch {
    return refuse(403, "", 0, "not a proxy request: send CONNECT host:port or an absolute http:// URI", true);
  }
  const port = url.port ? Number(url.port) : 80;
  if (url.protocol !== "http:") {
    return refuse(403, url.hostname, port, `${url.protocol}// is not proxied as plain HTTP: use CONNECT`, true);
  }
  const d = await ctx.decide(url.hostname, port, "http");
  if ("refused" in d) return refuse(403, url.hostname, port, d.refused, true);
  if ("failed" in d) return refuse(502, url.hostname, port, d.failed, false);
  let upstream: net.Socket;
  try {
    upstream = await ctx.dial(d.addresses, port);
  } catch (error) {
    return refuse(502, url.hostname, port, `cannot connect: ${errorReason(error)}`, false);
  }
  const hop = new Set(HOP_BY_HOP);
  for (const name of (req.headers.connection ?? "").split(",")) hop.add(name.trim().toLowerCase());
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !hop.has(k)));
  // The Host header names what the URL names: no reaching another site behind the same address.
  // No agent: with `createConnection` alone, Node uses exactly the socket that was checked.
  const forward = http.request({
    method: req.method,
    path: url.pathname + url.search,
    headers: { ...headers, host: url.host },
    createConnection: () => upstream,
  });
  forward.on("response", (up) => {
    res.writeHead(up.statusCode ?? 502, Object.fromEntries(Object.entries(up.headers).filter(([k]) => !hop.has(k))));
    up.pipe(res);
  });
  // Not swallowed: the client gets a 502 naming the error, or a cut connection once headers went.
  forward.on("error", (e) =>
    res.headersSent ? res.destroy() : refuse(502, url.hostname, port, `upstream: ${e.message}`, false),
  );
  req.pipe(forward);
}
