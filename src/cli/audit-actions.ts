import { createReadStream, createWriteStream } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
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
import { openCliDatabase, storeName, type StoreFlags } from "./store-options.js";
import { SentinelError } from "../core/index.js";

export interface VerifyFlags extends StoreFlags {
  checkpoint?: string;
  file?: string;
  format: "text" | "json";
}
export interface ExportFlags extends StoreFlags {
  out?: string;
  run?: string;
  from?: number;
}
export interface ReplayFlags extends StoreFlags {
  format: "text" | "json";
}
export interface CheckpointFlags extends StoreFlags {
  file?: string;
}

/** `audit verify`: exit 0 when the chain holds, 1 when it is broken, 2 when the input cannot be read. */
export async function verifyLedger(io: CliIo, exit: (code: number) => void, opts: VerifyFlags): Promise<void> {
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
export async function exportLedger(io: CliIo, opts: ExportFlags): Promise<void> {
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
export async function replayLedgerRun(
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
  if (opts.format === "json") io.stdout.write(JSON.stringify({ runId, steps }, null, 2) + "\n");
  else if (entries.length > 0) io.stdout.write(formatReplay(runId, steps));
  // An unknown run is an error, not an empty story: usually the wrong store (see --data-dir).
  if (entries.length === 0)
    io.stderr.write(`sentinel audit replay: no run ${runId} in the ledger of ${storeName(opts)}\n`);
  exit(entries.length > 0 ? 0 : 1);
}

/** `audit checkpoint`: appends the chain head to the checkpoint file. */
export async function checkpointLedger(io: CliIo, exit: (code: number) => void, opts: CheckpointFlags): Promise<void> {
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
