import { Command } from "commander";
import type { CliIo } from "./io.js";
import { withStoreOptions } from "./store-options.js";

/**
 * The ledger and the store load only when an audit command runs: see create-program.ts. The flags
 * are typed in audit-actions.ts (importing its types here would make a cycle).
 */
function actions() {
  return import("./audit-actions.js");
}

/**
 * `sentinel audit`: the tamper-evident ledger. `verify` walks the hash chain (in the store, or an
 * export) and names the first entry that was altered, removed or reordered; `export` writes it
 * as JSON Lines; `replay` tells one run's story from it; `checkpoint` records the chain head
 * outside the database.
 */
export function auditCommand(io: CliIo, exit: (code: number) => void): Command {
  const audit = new Command("audit").description(
    "Verify, export and replay the audit ledger (a hash chain of everything Sentinel saw, decided and did).",
  );

  audit.addCommand(
    withStoreOptions(
      new Command("verify")
        .description(
          "Walk the ledger's hash chain; exit 1 and name the first entry that was altered, removed or reordered.",
        )
        .option(
          "--checkpoint <file>",
          "also hold the chain against the checkpoints in this file (default: SENTINEL_LEDGER_CHECKPOINT)",
        )
        .option("--file <jsonl>", "verify an export (`sentinel audit export`) instead of the store")
        .option("--format <format>", "text or json", "text"),
    ).action(async (opts) => (await actions()).verifyLedger(io, exit, opts)),
  );

  audit.addCommand(
    withStoreOptions(
      new Command("export")
        .description("Write the ledger as JSON Lines (one entry a line, with its hashes), to stdout or --out.")
        .option("--out <file>", "write here instead of stdout")
        .option("--run <runId>", "only this run's entries (such an export does not verify as a chain on its own)")
        .option("--from <seq>", "start at this entry", (v) => Number(v)),
    ).action(async (opts) => (await actions()).exportLedger(io, opts)),
  );

  audit.addCommand(
    withStoreOptions(
      new Command("replay")
        .description("Tell a run's story from the ledger: what it saw, decided and did, in order.")
        .argument(
          "<runId>",
          "the run (from the sticky comment, a fix PR's Sentinel-Run trailer, or `sentinel fix --format json`)",
        )
        .option("--format <format>", "text or json", "text"),
    ).action(async (runId: string, opts) => (await actions()).replayLedgerRun(io, exit, runId, opts)),
  );

  audit.addCommand(
    withStoreOptions(
      new Command("checkpoint")
        .description(
          "Append the chain head to a checkpoint file kept outside the database (the server also does this every minute).",
        )
        .option("--file <file>", "the checkpoint file (default: SENTINEL_LEDGER_CHECKPOINT)"),
    ).action(async (opts) => (await actions()).checkpointLedger(io, exit, opts)),
  );
  return audit;
}
