import type { IncomingMessage } from "node:http";
import type { BodyAccount } from "./body-budget.js";
import { BodyNoRoomError, BodyTooLargeError, BodyTooSlowError, RequestAbortedError } from "./body-errors.js";
import { bodyPaceOf, watchPace, type BodyPace } from "./body-pace.js";

export {
  BodyReadError,
  BodyTooLargeError,
  BodyTooSlowError,
  BodyNoRoomError,
  RequestAbortedError,
} from "./body-errors.js";
export { refuseBody, refuseTooLarge } from "./refuse-body.js";

export interface ReadBodyOptions {
  /** How fast the body must arrive; by default what the server set for the request (bodyPaceOf). */
  readonly pace?: BodyPace;
  /**
   * The budget account the body's bytes are taken from as they arrive, and how long a chunk may
   * wait for room in it before the body is refused (BodyNoRoomError).
   */
  readonly budget?: { readonly account: BodyAccount; readonly waitMs: number };
}

/**
 * Reads a request body, refusing anything over `limit` bytes: a declared Content-Length over it
 * before reading a byte, a chunked body as soon as it passes it. It also refuses a body that
 * arrives too slowly (BodyTooSlowError, see body-pace.ts) and, with a budget, one that found no
 * room in the body budget in time (BodyNoRoomError). On any refusal what was read is dropped and
 * its bytes given back to the budget at once, and reading stops; answer with refuseBody, which
 * deals with the rest.
 */
export async function readBody(req: IncomingMessage, limit: number, options: ReadBodyOptions = {}): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit);
  const account = options.budget?.account;
  const roomWaitMs = options.budget?.waitMs ?? 0;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    // A chunk is waiting for room; the stream may end meanwhile, and then the body is whole
    // only once that chunk is in.
    let waiting = false;
    let ended = false;
    const done = () => {
      settled = true;
      watch.stop();
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    const fail = (error: Error) => {
      if (settled) return;
      done();
      chunks.length = 0;
      account?.release();
      req.pause();
      reject(error);
    };
    const finish = () => {
      if (settled) return;
      done();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const watch = watchPace(options.pace ?? bodyPaceOf(req), (reason, received, elapsedMs) =>
      fail(new BodyTooSlowError(reason, received, elapsedMs)),
    );
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      watch.received(chunk.length);
      if (size > limit) return fail(new BodyTooLargeError(limit));
      if (!account || account.tryTake(chunk.length)) return void chunks.push(chunk);
      // No room for this chunk now: stop reading (the rest waits in the socket) until there is.
      req.pause();
      watch.pause();
      waiting = true;
      account.waitFor(chunk.length, roomWaitMs).then(
        () => {
          if (settled) return;
          waiting = false;
          chunks.push(chunk);
          if (ended) return finish();
          watch.resume();
          req.resume();
        },
        // Released from outside (the answer closed: the client is gone) or refused for room.
        (error: Error) =>
          fail(error instanceof BodyNoRoomError && error.reason === "closed" ? new RequestAbortedError() : error),
      );
    };
    const onEnd = () => {
      ended = true;
      if (!waiting) finish();
    };
    const onError = (error: Error & { code?: string }) => {
      // Node reports a client that hung up mid-body as an "aborted" ECONNRESET on the request.
      fail(req.aborted || error.code === "ECONNRESET" ? new RequestAbortedError() : error);
    };
    // The client went away before the body ended: nobody is left to answer. (A request also
    // closes after its end, while its last chunk may still wait for room: that is no abort.)
    const onClose = () => {
      if (!ended) fail(new RequestAbortedError());
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}
