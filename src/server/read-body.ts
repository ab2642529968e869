import type { IncomingMessage, ServerResponse } from "node:http";

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
  }
}

/** The client closed the connection before sending the whole body: there is no one to answer. */
export class RequestAbortedError extends Error {
  constructor() {
    super("the client closed the connection before the request body ended");
  }
}

/**
 * Reads a request body, refusing anything over `limit` bytes: a declared Content-Length over it
 * before reading a byte, a chunked body as soon as it passes it (what was read is dropped). It
 * stops reading at the refusal; answer with refuseTooLarge, which deals with the rest.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done();
        chunks.length = 0;
        req.pause();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (error: Error & { code?: string }) => {
      done();
      // Node reports a client that hung up mid-body as an "aborted" ECONNRESET on the request.
      reject(req.aborted || error.code === "ECONNRESET" ? new RequestAbortedError() : error);
    };
    // The client went away before the body ended: nobody is left to answer.
    const onClose = () => {
      done();
      reject(new RequestAbortedError());
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

/** How long a refused upload may go on being discarded before its connection is cut. */
const LINGER_MS = 2000;

/**
 * Answers 413 for a body over the limit. The client may still be sending it: the connection is
 * not kept for another request, and what still arrives is discarded (never buffered) until the
 * client, having read the answer, stops, or for at most LINGER_MS. Closing outright instead would
 * leave unread bytes in the socket, and the reset that sends can destroy the answer before the
 * client reads it.
 */
export function refuseTooLarge(req: IncomingMessage, res: ServerResponse, limit: number): void {
  const socket = req.socket;
  const body = JSON.stringify({ error: `body larger than ${limit} bytes` }) + "\n";
  res.writeHead(413, { "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(body)) });
  res.end(body);
  if (req.complete) return;
  res.once("finish", () => {
    req.resume();
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
  });
}
