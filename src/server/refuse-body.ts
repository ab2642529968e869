import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyNoRoomError, BodyTooLargeError, type BodyReadError } from "./body-errors.js";

/** How long a refused upload may go on being discarded before its connection is cut. */
const LINGER_MS = 2000;
/** What a 429 asks the client to wait, in seconds; a body budget frees up within seconds. */
export const BODY_RETRY_AFTER_SECONDS = 5;

/**
 * Answers a body the server stopped reading: 413 too large, 408 too slow, 429 no room (with
 * Retry-After). The client may still be sending it: the connection is not kept for another
 * request, and what still arrives is discarded (never buffered) until the client, having read the
 * answer, stops, or for at most LINGER_MS. Closing outright instead would leave unread bytes in the
 * socket, and the reset that sends can destroy the answer before the client reads it.
 */
export function refuseBody(req: IncomingMessage, res: ServerResponse, error: BodyReadError): void {
  const socket = req.socket;
  if (res.headersSent) return void socket.destroy();
  const body = JSON.stringify({ error: messageFor(error) }) + "\n";
  const headers: Record<string, string> = {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
  };
  if (error instanceof BodyNoRoomError) headers["retry-after"] = String(BODY_RETRY_AFTER_SECONDS);
  res.writeHead(error.status, headers);
  res.end(body);
  if (req.complete) return;
  // Counted from the answer, not from its flush: a client that reads nothing is still cut.
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
  res.once("finish", () => {
    req.resume();
    socket.end();
  });
}

/** Answers 413 for a body over `limit` bytes (see refuseBody). */
export function refuseTooLarge(req: IncomingMessage, res: ServerResponse, limit: number): void {
  refuseBody(req, res, new BodyTooLargeError(limit));
}

function messageFor(error: BodyReadError): string {
  if (error instanceof BodyTooLargeError) return `body larger than ${error.limit} bytes`;
  if (error instanceof BodyNoRoomError)
    return "too many large request bodies are being received at once; retry shortly";
  return error.message;
}
