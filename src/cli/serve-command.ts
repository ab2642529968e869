import { Command } from "commander";
import type { CliIo } from "./io.js";

export function serveCommand(_io: CliIo): Command {
  return new Command("serve")
    .description("Start the Sentinel server (webhooks, /healthz, /readyz). Reads PORT, HOST, APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, GHE_HOST, GHE_PROTOCOL.")
    .action(async () => {
      const { startFromEnv } = await import("../main.js");
      const running = await startFromEnv();
      await new Promise<void>((resolve) => {
        for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void running.close().then(resolve));
      });
    });
}
