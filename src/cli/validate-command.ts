import { existsSync } from "node:fs";
import { Command, Option } from "commander";
import type { CliIo } from "./io.js";

const DEFAULT_PATHS = [".github/sentinels", ".gitlab/sentinels"];

export function validateCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  return new Command("validate")
    .description("Check sentinel rule files and problem matchers; print file:line errors; exit 1 when any is invalid.")
    .argument("[paths...]", `files or directories (default: ${DEFAULT_PATHS.join(", ")})`)
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .option("--strict", "treat warnings (such as slow patterns) as errors")
    .action(async (paths: string[], opts: { format: string; strict?: boolean }) => {
      const targets = paths.length > 0 ? paths : DEFAULT_PATHS.filter((p) => existsSync(p));
      if (targets.length === 0) {
        io.stderr.write(
          `sentinel validate: nothing to validate (no paths given and none of ${DEFAULT_PATHS.join(", ")} exists)\n`,
        );
        setExitCode(2);
        return;
      }
      const [{ loadRuleFiles }, { formatIssue }] = await Promise.all([
        import("../sentinel/index.js"),
        import("./load-cli-rules.js"),
      ]);
      const set = await loadRuleFiles(targets);
      const failing = set.issues.filter((i) => i.severity === "error" || opts.strict);
      if (opts.format === "json") {
        io.stdout.write(
          JSON.stringify(
            {
              valid: failing.length === 0,
              sentinels: set.sentinels.map((s) => ({ id: s.id, file: s.file })),
              issues: set.issues,
            },
            null,
            2,
          ) + "\n",
        );
      } else {
        for (const issue of set.issues) io.stdout.write(formatIssue(issue) + "\n");
        io.stdout.write(
          `${set.sentinels.length} sentinel${set.sentinels.length === 1 ? "" : "s"} loaded; ${failing.length} error${failing.length === 1 ? "" : "s"}.\n`,
        );
      }
      setExitCode(failing.length > 0 ? 1 : 0);
    });
}
