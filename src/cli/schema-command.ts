import { Command } from "commander";
import { sentinelJsonSchema } from "../sentinel/index.js";
import type { CliIo } from "./io.js";

export function schemaCommand(io: CliIo): Command {
  return new Command("schema")
    .description("Print the JSON Schema of sentinel rule files (for editors and CI checks).")
    .action(() => {
      io.stdout.write(JSON.stringify(sentinelJsonSchema(), null, 2) + "\n");
    });
}
