import { spawn } from "node:child_process";
import { constants } from "node:os";
import { Command, Option } from "commander";
import type { ClassifierEvent } from "../sentinel/index.js";
import { colorize, formatDiagnosisText } from "./format-diagnosis.js";
import type { CliIo } from "./io.js";

/**
 * Runs a command and classifies its output as it happens. The command's own lines go to stdout
 * (coloured by classification in a terminal); the diagnosis goes to stderr at the end; the exit
 * code is the command's (128 + signal number when it was killed).
 */
export function watchCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  return new Command("watch")
    .description("Run a command, show its classified output live, keep its exit code, then print the diagnosis.")
    .usage("[options] -- <command> [args...]")
    .argument("<command...>", "the command to run, after --")
    .addOption(
      new Option("--format <format>", "diagnosis format (printed to stderr)").choices(["text", "json"]).default("text"),
    )
    .option("--rules <paths...>", "extra sentinel rule files or directories")
    .option("--no-builtin", "do not load the builtin sentinels")
    .option("--quiet", "do not echo the command's output, only the diagnosis")
    .action(async (argv: string[], opts: { format: string; rules?: string[]; builtin?: boolean; quiet?: boolean }) => {
      const [{ createClassifier }, { loadCliRules }] = await Promise.all([
        import("../sentinel/index.js"),
        import("./load-cli-rules.js"),
      ]);
      const rules = await loadCliRules(opts, io.stderr);
      const [cmd, ...args] = argv as [string, ...string[]];
      const print = (e: ClassifierEvent) => {
        if (e.type === "line" && !opts.quiet)
          io.stdout.write(colorize(e.text, e.finding?.classification, io.color) + "\n");
      };
      const classifier = createClassifier(rules, {
        source: "shell",
        command: argv.join(" "),
        everyLine: true,
        clock: Date.now,
        onEvent: print,
      });
      const child = spawn(cmd, args, { stdio: ["inherit", "pipe", "pipe"] });
      const feedLines = lineFeeder((line) => classifier.write(line));
      child.stdout.on("data", feedLines("out"));
      child.stderr.on("data", feedLines("err"));
      const exitCode = await new Promise<number>((resolve) => {
        child.on("error", (error) => {
          io.stderr.write(`sentinel watch: cannot run ${JSON.stringify(cmd)}: ${error.message}\n`);
          resolve(127);
        });
        child.on("close", (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
      });
      feedLines.flush();
      const diagnosis = classifier.end({ exitCode });
      io.stderr.write(
        opts.format === "json"
          ? JSON.stringify(diagnosis, null, 2) + "\n"
          : "\n" + formatDiagnosisText(diagnosis, io.color),
      );
      setExitCode(exitCode);
    });
}

/** Keeps stdout and stderr lines whole when both streams interleave. */
function lineFeeder(write: (line: Buffer) => void) {
  const partial = new Map<string, Buffer>();
  const feed = (name: string) => (chunk: Buffer) => {
    let buf = partial.has(name) ? Buffer.concat([partial.get(name) as Buffer, chunk]) : chunk;
    const last = buf.lastIndexOf(10);
    if (last < 0) {
      partial.set(name, buf);
      return;
    }
    write(buf.subarray(0, last + 1));
    buf = buf.subarray(last + 1);
    if (buf.length > 0) partial.set(name, Buffer.from(buf));
    else partial.delete(name);
  };
  feed.flush = () => {
    for (const buf of partial.values()) write(Buffer.concat([buf, Buffer.from("\n")]));
    partial.clear();
  };
  return feed;
}
