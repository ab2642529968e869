import { SentinelError } from "../core/index.js";

/** Why a request body was refused before it was read in full; each has one HTTP answer. */
export type BodyRefusalCode = "E_BODY_TOO_LARGE" | "E_BODY_TOO_SLOW" | "E_BODY_NO_ROOM";

/** A request body the server stopped reading on purpose; `refuseBody` answers it. */
export abstract class BodyReadError extends SentinelError {
  declare readonly code: BodyRefusalCode;
  /** The status the client is answered with. */
  abstract readonly status: number;

  constructor(code: BodyRefusalCode, message: string) {
    super(code, message);
    this.name = "BodyReadError";
  }
}

export class BodyTooLargeError extends BodyReadError {
  readonly status = 413;
  constructor(readonly limit: number) {
    super("E_BODY_TOO_LARGE", `request body larger than ${limit} bytes`);
  }
}

/**
 * The client sent its body too slowly: past the whole-body deadline, or behind the minimum rate
 * once its grace period was over. A client trickling bytes would otherwise hold a connection and
 * its share of the body budget for as long as it liked.
 */
export class BodyTooSlowError extends BodyReadError {
  readonly status = 408;
  constructor(
    readonly reason: "deadline" | "min-rate",
    readonly received: number,
    readonly elapsedMs: number,
  ) {
    super(
      "E_BODY_TOO_SLOW",
      reason === "deadline"
        ? `the request body did not arrive within ${elapsedMs} ms (${received} bytes came); send it at once`
        : `the request body arrived too slowly (${received} bytes in ${elapsedMs} ms); send it at once`,
    );
  }
}

/**
 * No room in the body budget for the next bytes of this body: it waited as long as it may, or it
 * was chosen to give way so the others holding the budget could finish (see BodyBudget).
 */
export class BodyNoRoomError extends BodyReadError {
  readonly status = 429;
  constructor(
    readonly reason: "timeout" | "deadlock" | "closed",
    readonly waitedMs: number,
  ) {
    super(
      "E_BODY_NO_ROOM",
      reason === "timeout"
        ? `no room to read the request body within ${waitedMs} ms`
        : reason === "deadlock"
          ? "the request body gave way to older ones: the budget was full and every holder was waiting"
          : "the request's share of the body budget was released",
    );
  }
}

/** The client closed the connection before sending the whole body: there is no one to answer. */
export class RequestAbortedError extends SentinelError {
  constructor() {
    super("E_REQUEST_ABORTED", "the client closed the connection before the request body ended");
    this.name = "RequestAbortedError";
  }
}
