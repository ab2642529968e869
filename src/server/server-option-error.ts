import { SentinelError } from "../core/index.js";

/** An option given to createHttpServer that cannot work; the message says what would. */
export class InvalidServerOptionError extends SentinelError {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super("E_SERVER_OPTION", `${option}: ${message}`);
    this.name = "InvalidServerOptionError";
  }
}
