import { appendFile, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { SentinelError } from "../core/index.js";

/** The chain head at a moment, kept where the database's users cannot rewrite it. */
export interface Checkpoint {
  readonly seq: number;
  readonly hash: string;
  readonly at: string;
}

/** The checkpoint of a chain head, taken now. */
export function checkpointOf(head: { seq: number; hash: string }, now = new Date()): Checkpoint {
  return { seq: head.seq, hash: head.hash, at: now.toISOString() };
}

/** Appends a checkpoint as one JSON line (the file only grows, like the chain). */
export async function writeCheckpoint(
  file: string,
  head: { seq: number; hash: string },
  now = new Date(),
): Promise<Checkpoint> {
  const checkpoint = checkpointOf(head, now);
  await appendCheckpoint(file, checkpoint);
  return checkpoint;
}

/**
 * Appends a checkpoint already taken. The line is the same record the HTTP sink posts, so a
 * collector that appends what it receives keeps a file `sentinel audit verify --checkpoint` reads.
 */
export async function appendCheckpoint(file: string, checkpoint: Checkpoint): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await appendFile(file, JSON.stringify({ seq: checkpoint.seq, hash: checkpoint.hash, at: checkpoint.at }) + "\n", {
    mode: 0o600,
  });
}

/** Every checkpoint in a file; a line that does not parse is an error, not something to skip. */
export async function readCheckpoints(file: string): Promise<Checkpoint[]> {
  const text = await readFile(file, "utf8");
  return text
    .split("\n")
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => line.length > 0)
    .map(({ line, n }) => {
      let c: Partial<Checkpoint>;
      try {
        c = JSON.parse(line) as Partial<Checkpoint>;
      } catch (error) {
        throw new SentinelError(
          "E_LEDGER_FILE",
          `${file}:${n}: not a checkpoint line (invalid JSON); fix or remove that line`,
          { cause: error },
        );
      }
      if (
        typeof c.seq !== "number" ||
        typeof c.hash !== "string" ||
        !/^[0-9a-f]{64}$/.test(c.hash) ||
        typeof c.at !== "string"
      )
        throw new SentinelError("E_LEDGER_FILE", `${file}:${n}: a checkpoint needs seq, hash (sha256 hex) and at`);
      return { seq: c.seq, hash: c.hash, at: c.at };
    });
}
