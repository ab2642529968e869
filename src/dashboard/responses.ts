import type { ServerResponse } from "node:http";
import type { SafeHtml } from "./html.js";

export function sendHtml(
  res: ServerResponse,
  status: number,
  page: SafeHtml,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(page.value, "utf8");
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "content-length": String(body.length),
    ...headers,
  });
  res.end(body);
}

/** JSON for scripts; Maps (the chart's series) become objects, Dates ISO strings. */
export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(
    JSON.stringify(value, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v)) + "\n",
    "utf8",
  );
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(body.length),
    ...headers,
  });
  res.end(body);
}

export function redirect(res: ServerResponse, location: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(303, { location, "content-length": "0", ...headers });
  res.end();
}

/** Whether the client is a browser navigating (wants a page or a redirect) rather than a script (wants a status and JSON). */
export function wantsHtml(accept: string | undefined): boolean {
  return typeof accept === "string" && accept.includes("text/html");
}
