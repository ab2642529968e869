import type { Logger } from "pino";
import { writeCheckpoint } from "./checkpoint.js";
import { readHead } from "./read-ledger.js";
import type { LedgerSql } from "./sql.js";

/**
 * Writes the chain head outside the database every `intervalMs` when it moved: a line in
 * `file` and a log line (logs leave the machine, so a later rewrite of the database cannot reach
 * them). `sentinel audit verify --checkpoint <file>` holds the chain against them.
 */
export function startCheckpointer(db: LedgerSql, o: { file?: string; intervalMs: number; logger: Logger }): { stop(): Promise<void> } {
  let last = -1;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = running.then(async () => {
      try {
        const head = await readHead(db);
        if (head.seq === last) return;
        if (o.file) await writeCheckpoint(o.file, head);
        last = head.seq;
        o.logger.info({ ledgerSeq: head.seq, ledgerHash: head.hash, file: o.file ?? null }, "ledger checkpoint");
      } catch (error) {
        o.logger.warn({ err: error instanceof Error ? error.message : String(error) }, "ledger checkpoint failed");
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
