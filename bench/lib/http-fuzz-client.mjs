// Sends the fuzzer's cases and reports how each ended: answered (with its status), reset (the
// connection failed before an answer), or timed out. Well-formed requests go over keep-alive
// connections (undici); raw ones over a socket of their own.
import net from "node:net";

let Pool;
try {
  ({ Pool } = await import("undici"));
} catch {
  throw new Error("the fuzzer needs undici (installed with the project's dependencies: npm ci)");
}

/** No answer within this long is a hang. */
export const ANSWER_TIMEOUT_MS = 30_000;

export function createFuzzClient(origin, connections) {
  const pool = new Pool(origin, {
    connections,
    pipelining: 1,
    headersTimeout: ANSWER_TIMEOUT_MS,
    bodyTimeout: ANSWER_TIMEOUT_MS,
    keepAliveTimeout: 10_000,
  });
  const { port } = new URL(origin);
  return {
    send: (c) => (c.transport === "raw" ? sendRaw(Number(port), c) : sendHttp(pool, c)),
    close: () => pool.close(),
  };
}

async function sendHttp(pool, c) {
  try {
    const res = await pool.request({
      method: c.method,
      path: c.path,
      headers: c.headers,
      ...(c.body !== undefined && c.method !== "GET" && c.method !== "HEAD" ? { body: c.body } : {}),
    });
    await res.body.dump();
    return { status: res.statusCode };
  } catch (error) {
    const code = error?.code ?? error?.name ?? "error";
    return code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT" ? { timedOut: true } : { error: code };
  }
}

/**
 * Writes the case's bytes on a fresh socket and reads the status line of the answer. A streamed
 * oversized body is written 1 MB at a time until an answer arrives (as a real client would keep
 * uploading); a trickled one (`trickle`) one byte at a time, as a slow-body attacker would;
 * `hangUp` closes the socket right after writing, expecting no answer.
 */
function sendRaw(port, c) {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let received = "";
    let settled = false;
    const finish = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ timedOut: true }), ANSWER_TIMEOUT_MS);
    const statusOf = () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      return m ? Number(m[1]) : null;
    };
    socket.on("data", (d) => {
      received += d.toString("latin1");
      const status = statusOf();
      // The status line is the answer; give the server a moment to finish writing it, then leave.
      if (status !== null && received.includes("\r\n\r\n")) setTimeout(() => finish({ status }), 5);
    });
    socket.on("error", (error) => {
      const status = statusOf();
      finish(status !== null ? { status } : { error: error.code ?? "error" });
    });
    socket.on("close", () => {
      const status = statusOf();
      finish(status !== null ? { status } : c.hangUp ? { hungUp: true } : { error: "closed-without-answer" });
    });
    socket.on("connect", () => {
      socket.write(c.bytes);
      if (c.hangUp) return void setTimeout(() => socket.destroy(), 5);
      if (c.streamBody) streamBody(socket, c.streamBody, () => settled || statusOf() !== null);
      if (c.trickle) trickle(socket, c.trickle, () => settled || statusOf() !== null);
    });
  });
}

const MEGABYTE = Buffer.alloc(1024 * 1024, 0x20);

function streamBody(socket, { chunked, bytes }, stop) {
  let sent = 0;
  const pump = () => {
    while (sent < bytes) {
      if (stop() || socket.destroyed) return;
      sent += MEGABYTE.length;
      let ok;
      if (chunked) {
        socket.write(`${MEGABYTE.length.toString(16)}\r\n`);
        socket.write(MEGABYTE);
        ok = socket.write("\r\n");
      } else ok = socket.write(MEGABYTE);
      if (!ok) return void socket.once("drain", pump);
    }
    if (chunked && !stop() && !socket.destroyed) socket.write("0\r\n\r\n");
  };
  pump();
}

/** Writes one byte every `everyMs` until `stop()` says the answer came or the socket is gone. */
function trickle(socket, { everyMs }, stop) {
  const timer = setInterval(() => {
    if (stop() || socket.destroyed) return void clearInterval(timer);
    socket.write(" ");
  }, everyMs);
  socket.once("close", () => clearInterval(timer));
}
