/** An option given to createHttpServer that cannot work; the message says what would. */
export class InvalidServerOptionError extends Error {
  readonly code = "E_SERVER_OPTION";
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`);
    this.name = "InvalidServerOptionError";
  }
}
