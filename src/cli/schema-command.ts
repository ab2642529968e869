import { Command } from "commander";
import type { CliIo } from "./io.js";

export function schemaCommand(io: CliIo): Command {
  return new Command("schema")
    .description("Print the JSON Schema of sentinel rule files (for editors and CI checks).")
    .action(async () => {
      const { sentinelJsonSchema } = await import("../sentinel/index.js");
      io.stdout.write(JSON.stringify(sentinelJsonSchema(), null, 2) + "\n");
    });
}
