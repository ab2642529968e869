import type http from "node:http";
import type net from "node:net";
import { clean, errorReason, type EgressHandlerContext } from "./egress-route.js";
import { splitHostPort } from "./host-rules.js";

/** CONNECT host:port (443 by default): a byte tunnel to a checked address, or a one-line refusal. */
export async function handleConnect(
  ctx: EgressHandlerContext,
  req: http.IncomingMessage,
  client: net.Socket,
  head: Buffer,
): Promise<void> {
  if (ctx.turnedAway(client)) return void client.destroy();
  const target = splitHostPort(req.url ?? "");
  const host = target?.host ?? req.url ?? "";
  const port = target?.port ?? 443;
  const refuse = (status: number, reason: string) => {
    const body = `sentinel egress proxy: ${clean(reason)}\n`;
    client.end(
      `HTTP/1.1 ${status} ${status === 403 ? "Forbidden" : "Bad Gateway"}\r\nContent-Type: text/plain\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
  client.setTimeout(ctx.idleMs, () => client.destroy());
  const d = await ctx.decide(host, port, "connect");
  if ("refused" in d) {
    ctx.report(host, port, d.refused);
    return refuse(403, d.refused);
  }
  if ("failed" in d) return refuse(502, d.failed);
  let upstream: net.Socket;
  try {
    upstream = await ctx.dial(d.addresses, port);
  } catch (error) {
    return refuse(502, `cannot connect to ${host}:${port}: ${errorReason(error)}`);
  }
  if (client.destroyed) return void upstream.destroy();
  client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
  if (head.length > 0) upstream.write(head);
  client.pipe(upstream).pipe(client);
  client.on("close", () => upstream.destroy());
  upstream.on("close", () => client.destroy());
}
