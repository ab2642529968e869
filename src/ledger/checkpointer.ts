import type { Logger } from "pino";
import { appendCheckpoint, checkpointOf, type Checkpoint } from "./checkpoint.js";
import { endpointForLogs, parseCheckpointUrl, postCheckpoint } from "./post-checkpoint.js";
import { readHead } from "./read-ledger.js";
import type { LedgerSql } from "./sql.js";

export interface CheckpointerOptions {
  /** SENTINEL_LEDGER_CHECKPOINT: a JSON Lines file each checkpoint is appended to. */
  readonly file?: string;
  /**
   * SENTINEL_LEDGER_CHECKPOINT_URL: a collector each checkpoint is POSTed to. Unlike a file on
   * the worker's volume, what it keeps is out of the worker's reach once sent, if the collector
   * only ever appends (docs/hardening.md, "Checkpoints the workers cannot rewrite").
   */
  readonly url?: string;
  /** SENTINEL_LEDGER_CHECKPOINT_TOKEN: sent as a bearer token with each POST. */
  readonly token?: string;
  /** How long one POST may take (post-checkpoint.ts's default when unset). */
  readonly timeoutMs?: number;
  readonly intervalMs: number;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
}

/** One place a checkpoint goes, and the last chain head it got there. */
interface Sink {
  readonly name: "file" | "http";
  readonly target: string;
  readonly write: (c: Checkpoint) => Promise<void>;
  delivered: number;
}

/**
 * Writes the chain head outside the database every `intervalMs` when it moved: a log line (logs
 * leave the machine, so a later rewrite of the database cannot reach them), a line in `file`, and
 * a POST to `url`. A sink that fails is logged and tried again next round with the head as it is
 * then (any later checkpoint covers the chain up to it); nothing here ever throws into the worker.
 * `sentinel audit verify --checkpoint <file>` holds the chain against the file, or against the
 * collector's records written as the same JSON Lines.
 */
export function startCheckpointer(db: LedgerSql, o: CheckpointerOptions): { stop(): Promise<void> } {
  const sinks = checkpointSinks(o);
  let logged = -1;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = running.then(async () => {
      let checkpoint: Checkpoint;
      try {
        checkpoint = checkpointOf(await readHead(db));
      } catch (error) {
        o.logger.warn({ err: message(error) }, "ledger checkpoint failed: the chain head could not be read");
        return;
      }
      if (checkpoint.seq !== logged) {
        o.logger.info(
          {
            ledgerSeq: checkpoint.seq,
            ledgerHash: checkpoint.hash,
            file: o.file ?? null,
            url: sinks.find((s) => s.name === "http")?.target ?? null,
          },
          "ledger checkpoint",
        );
        logged = checkpoint.seq;
      }
      for (const sink of sinks) {
        if (sink.delivered === checkpoint.seq) continue;
        try {
          await sink.write(checkpoint);
          sink.delivered = checkpoint.seq;
        } catch (error) {
          o.logger.warn(
            { sink: sink.name, target: sink.target, ledgerSeq: checkpoint.seq, err: message(error) },
            "ledger checkpoint not delivered; trying again next round",
          );
        }
      }
    });
  };
  tick();
  const timer = setInterval(tick, o.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      tick();
      await running;
    },
  };
}

function checkpointSinks(o: CheckpointerOptions): Sink[] {
  const sinks: Sink[] = [];
  if (o.file) {
    const file = o.file;
    sinks.push({ name: "file", target: file, write: (c) => appendCheckpoint(file, c), delivered: -1 });
  }
  if (o.url) {
    const url = parseCheckpointUrl(o.url);
    const endpoint = {
      url,
      ...(o.token ? { token: o.token } : {}),
      ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    };
    if (o.token && url.protocol === "http:" && !isLoopback(url.hostname)) {
      o.logger.warn(
        { url: endpointForLogs(url) },
        "SENTINEL_LEDGER_CHECKPOINT_TOKEN goes to a plain http:// URL and crosses the network readable: use https://",
      );
    }
    sinks.push({
      name: "http",
      target: endpointForLogs(url),
      write: (c) => postCheckpoint(endpoint, c, o.fetch),
      delivered: -1,
    });
  } else if (o.token) {
    o.logger.warn("SENTINEL_LEDGER_CHECKPOINT_TOKEN is set without SENTINEL_LEDGER_CHECKPOINT_URL: it is not used");
  }
  return sinks;
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\./.test(hostname);
}

function message(error: unknown): string {
  if (error instanceof Error)
    return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
  return String(error);
}
