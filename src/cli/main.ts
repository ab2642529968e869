import { CommanderError } from "commander";
import { isSentinelError } from "../core/index.js";
import { createProgram } from "./create-program.js";
import { processIo, type CliIo } from "./io.js";

/** Entry point of the `sentinel` binary (and of a warm fix runner's run, with the client's streams). */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
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

/**
 * Loads what `sentinel fix` imports when it runs, and runs nothing: a warm fix runner's spare
 * (warm-runner-child.ts) calls it before it is needed. The same dynamic imports as fix-command.ts,
 * so the bundle maps them to the same chunks.
 */
export async function preloadFix(): Promise<void> {
  const [sentinel] = await Promise.all([
    import("../sentinel/index.js"),
    import("./fix-action.js"),
    import("../workspace/index.js"),
  ]);
  // re2js is code only. The builtin rules are not read here: a run reads them as they are when it
  // starts, not as they were when the spare did.
  sentinel.preloadPatternEngine();
}
