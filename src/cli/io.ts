import type { Readable } from "node:stream";

/** The CLI's streams, injected so tests run commands in-process. */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Colour output (a terminal, and NO_COLOR unset). */
  readonly color: boolean;
}

export function processIo(): CliIo {
  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== "dumb";
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, color };
}
