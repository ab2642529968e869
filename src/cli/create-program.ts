import { Command } from "commander";
import { classifyCommand } from "./classify-command.js";
import { fixCommand } from "./fix-command.js";
import { schemaCommand } from "./schema-command.js";
import { serveCommand } from "./serve-command.js";
import { tiersCommand } from "./tiers-command.js";
import { auditCommand } from "./audit-command.js";
import { validateCommand } from "./validate-command.js";
import { watchCommand } from "./watch-command.js";
import { VERSION } from "../core/index.js";
import type { CliIo } from "./io.js";

/**
 * The `sentinel` command tree; `exit` receives the process exit code a command wants.
 *
 * Declaring a command loads only commander, core and the CLI's own small modules: each command
 * imports the concerns it runs (the rule engine, the store, the pipeline with Probot, BullMQ and
 * PGlite behind it) inside its action, so `--version`, `--help` and `classify` do not pay for the
 * server's start-up. test/cli/lazy-commands.test.ts holds the command files to this.
 */
export function createProgram(io: CliIo, exit: (code: number) => void): Command {
  const program = new Command("sentinel")
    .description("Sentinel reads CI logs and command output, says what failed, where and why, and fixes what it can.")
    .version(VERSION)
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  for (const sub of [
    classifyCommand(io),
    watchCommand(io, exit),
    validateCommand(io, exit),
    fixCommand(io, exit),
    tiersCommand(io),
    auditCommand(io, exit),
    schemaCommand(io),
    serveCommand(io),
  ]) {
    sub
      .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
      .showHelpAfterError();
    program.addCommand(sub);
  }
  return program;
}
