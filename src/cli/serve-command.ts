import { Command } from "commander";
import type { CliIo } from "./io.js";

/**
 * `sentinel serve`: the server as `node dist/main.js` runs it. A start-up error (a bad variable, a
 * service it cannot reach) is a SentinelError whose one-line message the CLI's main prints with
 * its code, without a stack.
 */
export function serveCommand(_io: CliIo): Command {
  return new Command("serve")
    .description(
      "Start the Sentinel server (webhooks, /healthz, /readyz). Reads PORT, HOST, APP_ID, PRIVATE_KEY, " +
        "WEBHOOK_SECRET, GHE_HOST, GHE_PROTOCOL, DATABASE_URL, REDIS_URL and the rest of README's environment table.",
    )
    .action(async () => {
      const { startFromEnv } = await import("../main.js");
      const running = await startFromEnv();
      await new Promise<void>((resolve) => {
        for (const signal of ["SIGINT", "SIGTERM"] as const) {
          process.once(signal, () => void running.close().then(resolve));
        }
      });
    });
}
