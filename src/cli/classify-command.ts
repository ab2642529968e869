import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { Command, Option } from "commander";
import { formatDiagnosisText } from "./format-diagnosis.js";
import type { CliIo } from "./io.js";
import { SentinelError } from "../core/index.js";

export function classifyCommand(io: CliIo): Command {
  return new Command("classify")
    .description("Classify a CI log: what failed, where, and why.")
    .argument("<file>", "a log file, or - for standard input")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .option("--rules <paths...>", "extra sentinel rule files or directories (YAML, JSON, problem matchers)")
    .option("--no-builtin", "do not load the builtin sentinels")
    .option("--job <name>", "the CI job name, for sentinels that apply to some jobs only")
    .option("--command <command>", "the command that printed the log, for sentinels that apply to some commands only")
    .option("--max-bytes <n>", "stop reading after this many bytes", (v) => positiveInt(v, "--max-bytes"))
    .action(
      async (
        file: string,
        opts: {
          format: string;
          rules?: string[];
          builtin?: boolean;
          job?: string;
          command?: string;
          maxBytes?: number;
        },
      ) => {
        // The rule engine loads when a command needs it, not for --help or --version: see create-program.ts.
        // The engine's own modules, not its index (which also loads the YAML and schema tooling).
        const [{ classifyStream, FILE_CHUNK_BYTES }, { loadCliRules }] = await Promise.all([
          import("../sentinel/engine/classify-stream.js"),
          import("./load-cli-rules.js"),
        ]);
        const rules = await loadCliRules(opts, io.stderr);
        const input: Readable = file === "-" ? io.stdin : createReadStream(file, { highWaterMark: FILE_CHUNK_BYTES });
        const diagnosis = await classifyStream(input, rules, {
          source: "log",
          ...(opts.job ? { jobName: opts.job } : {}),
          ...(opts.command ? { command: opts.command } : {}),
          ...(opts.maxBytes ? { maxBytes: opts.maxBytes } : {}),
        });
        io.stdout.write(
          opts.format === "json" ? JSON.stringify(diagnosis, null, 2) + "\n" : formatDiagnosisText(diagnosis, io.color),
        );
      },
    );
}

export function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new SentinelError("E_USAGE", `${flag} takes a positive whole number, not "${value}"`);
  return n;
}
