import { PassThrough, Readable } from "node:stream";
import { createProgram } from "../../src/cli/create-program.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `sentinel …` in-process with captured streams (no build needed). */
export async function runCli(args: string[], stdin = ""): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on("data", (c: Buffer) => out.push(c));
  stderr.on("data", (c: Buffer) => err.push(c));
  let code = 0;
  const program = createProgram(
    { stdin: Readable.from([Buffer.from(stdin)]), stdout, stderr, color: false },
    (c) => (code = c),
  ).exitOverride();
  for (const sub of program.commands) sub.exitOverride();
  try {
    await program.parseAsync(["node", "sentinel", ...args]);
  } catch (error) {
    const e = error as { exitCode?: number; code?: string };
    code = e.code === "commander.helpDisplayed" || e.code === "commander.version" ? 0 : (e.exitCode ?? 1) === 0 ? 0 : 2;
  }
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}
