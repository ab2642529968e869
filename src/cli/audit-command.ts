import { createReadStream, createWriteStream } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { Command } from "commander";
import {
  formatReplay,
  readCheckpoints,
  readHead,
  readLedger,
  replayRun,
  verifyChain,
  writeCheckpoint,
  type Checkpoint,
  type LedgerEntry,
  type VerifyResult,
} from "../ledger/index.js";
import type { CliIo } from "./io.js";
import { openCliDatabase, withStoreOptions, type StoreFlags } from "./store-options.js";
import { SentinelError } from "../core/index.js";

interface VerifyFlags extends StoreFlags {
  checkpoint?: string;
  file?: string;
  format: "text" | "json";
}
interface ExportFlags extends StoreFlags {
  out?: string;
  run?: string;
  from?: number;
}
interface ReplayFlags extends StoreFlags {
  format: "text" | "json";
}
interface CheckpointFlags extends StoreFlags {
  file?: string;
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
    ).action((opts: VerifyFlags) => verifyLedger(io, exit, opts)),
  );

  audit.addCommand(
    withStoreOptions(
      new Command("export")
        .description("Write the ledger as JSON Lines (one entry a line, with its hashes), to stdout or --out.")
        .option("--out <file>", "write here instead of stdout")
        .option("--run <runId>", "only this run's entries (such an export does not verify as a chain on its own)")
        .option("--from <seq>", "start at this entry", (v) => Number(v)),
    ).action((opts: ExportFlags) => exportLedger(io, opts)),
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
    ).action((runId: string, opts: ReplayFlags) => replayLedgerRun(io, exit, runId, opts)),
  );

  audit.addCommand(
    withStoreOptions(
      new Command("checkpoint")
        .description(
          "Append the chain head to a checkpoint file kept outside the database (the server also does this every minute).",
        )
        .option("--file <file>", "the checkpoint file (default: SENTINEL_LEDGER_CHECKPOINT)"),
    ).action((opts: CheckpointFlags) => checkpointLedger(io, exit, opts)),
  );
  return audit;
}

/** `audit verify`: exit 0 when the chain holds, 1 when it is broken, 2 when the input cannot be read. */
async function verifyLedger(io: CliIo, exit: (code: number) => void, opts: VerifyFlags): Promise<void> {
  const checkpointFile = opts.checkpoint ?? process.env.SENTINEL_LEDGER_CHECKPOINT;
  let result: VerifyResult;
  let checkpoints: Checkpoint[];
  try {
    checkpoints = checkpointFile ? await readCheckpoints(checkpointFile) : [];
    result = opts.file
      ? await verifyChain(readExport(opts.file), { checkpoints })
      : await verifyStore(opts, checkpoints);
  } catch (error) {
    // Unreadable input is not a verdict on the chain: exit 2, not 1.
    io.stderr.write(`sentinel audit verify: ${error instanceof Error ? error.message : String(error)}\n`);
    exit(2);
    return;
  }
  if (opts.format === "json") io.stdout.write(JSON.stringify(result, null, 2) + "\n");
  else if (result.ok) {
    io.stdout.write(
      `ledger verified: ${result.entries} entries${result.lastGood ? `, head #${result.lastGood.seq} ${result.lastGood.hash}` : ""}${checkpointFile ? `; ${result.checkpointsMatched} of ${checkpoints.length} checkpoints matched` : "; no checkpoint file given (a chain rewritten from scratch is only caught against one)"}\n`,
    );
  } else {
    io.stderr.write(
      `LEDGER BROKEN at entry ${result.problem!.seq}: ${result.problem!.message}\n${result.lastGood ? `entries 1–${result.lastGood.seq} verify (head #${result.lastGood.seq} ${result.lastGood.hash})\n` : ""}`,
    );
  }
  exit(result.ok ? 0 : 1);
}

/** `audit export`: the ledger (or one run's part of it) as JSON Lines. */
async function exportLedger(io: CliIo, opts: ExportFlags): Promise<void> {
  const db = await openCliDatabase(opts);
  const out = opts.out ? createWriteStream(opts.out) : io.stdout;
  let n = 0;
  try {
    for await (const e of readLedger(db, {
      ...(opts.run ? { runId: opts.run } : {}),
      ...(opts.from ? { fromSeq: opts.from } : {}),
    })) {
      if (!out.write(JSON.stringify(e) + "\n")) await once(out, "drain");
      n++;
    }
  } finally {
    await db.close();
    if (opts.out)
      await new Promise<void>((resolve, reject) =>
        (out as ReturnType<typeof createWriteStream>).end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
  }
  if (opts.out) io.stderr.write(`exported ${n} entries to ${opts.out}\n`);
}

/** `audit replay`: one run's story; exit 1 when the ledger has nothing of it. */
async function replayLedgerRun(
  io: CliIo,
  exit: (code: number) => void,
  runId: string,
  opts: ReplayFlags,
): Promise<void> {
  const db = await openCliDatabase(opts);
  const entries: LedgerEntry[] = [];
  try {
    for await (const e of readLedger(db, { runId })) entries.push(e);
  } finally {
    await db.close();
  }
  const steps = replayRun(entries);
  io.stdout.write(
    opts.format === "json" ? JSON.stringify({ runId, steps }, null, 2) + "\n" : formatReplay(runId, steps),
  );
  exit(entries.length > 0 ? 0 : 1);
}

/** `audit checkpoint`: appends the chain head to the checkpoint file. */
async function checkpointLedger(io: CliIo, exit: (code: number) => void, opts: CheckpointFlags): Promise<void> {
  const file = opts.file ?? process.env.SENTINEL_LEDGER_CHECKPOINT;
  if (!file) {
    io.stderr.write("name the checkpoint file with --file or SENTINEL_LEDGER_CHECKPOINT\n");
    exit(2);
    return;
  }
  const db = await openCliDatabase(opts);
  try {
    const c = await writeCheckpoint(file, await readHead(db));
    io.stdout.write(`checkpoint #${c.seq} ${c.hash} written to ${file}\n`);
  } finally {
    await db.close();
  }
}

async function verifyStore(opts: StoreFlags, checkpoints: readonly Checkpoint[]): Promise<VerifyResult> {
  const db = await openCliDatabase(opts);
  try {
    return await verifyChain(readLedger(db), { head: await readHead(db), checkpoints });
  } finally {
    await db.close();
  }
}

/** An export read back line by line; a line that is not an entry stops the walk with its line number. */
async function* readExport(file: string): AsyncGenerator<LedgerEntry> {
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    n++;
    if (!line.trim()) continue;
    try {
      yield JSON.parse(line) as LedgerEntry;
    } catch (error) {
      throw new SentinelError("E_LEDGER_FILE", `${file}:${n}: not a ledger entry (invalid JSON)`, { cause: error });
    }
  }
}
