import { CommanderError } from "commander";
import { isSentinelError } from "../core/index.js";
import { createProgram } from "./create-program.js";
import { processIo } from "./io.js";

/** Entry point of the `sentinel` binary. */
export async function main(argv: string[]): Promise<number> {
  const io = processIo();
  let code = 0;
  const program = createProgram(io, (c) => (code = c)).exitOverride();
  for (const sub of program.commands) sub.exitOverride();
  try {
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const message = isSentinelError(error)
      ? `${error.code}: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
    io.stderr.write(`sentinel: ${message}\n`);
    return 1;
  }
}
