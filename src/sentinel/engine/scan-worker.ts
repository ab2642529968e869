/**
 * The worker thread of scan-pool.ts: walks each chunk it is handed for flagged lines, and reads
 * the literals of those a trigger flagged, while the classifier's own thread runs the rules on
 * the chunk before. It holds nothing but the
 * prefilter's tables and the shared slots: no token, no rule, no log beyond the bytes put there.
 */
import { parentPort, workerData } from "node:worker_threads";
import { findFlaggedLines, type WalkResult } from "./flagged-lines.js";
import { CONTROL_INTS, type ScanJob, type ScanWorkerData } from "./scan-protocol.js";

const data = workerData as ScanWorkerData;
const tables = {
  delta: new Int32Array(data.delta),
  classOf: new Uint8Array(data.classOf),
  stampEntry: data.stampEntry,
};
const slots = data.slots.map((slot) => ({
  bytes: Buffer.from(slot.bytes),
  records: new Int32Array(slot.records),
  reports: { out: new Int32Array(slot.reports), used: 0 },
}));
const control = new Int32Array(data.control);
const result: WalkResult = { records: 0, lines: 0, stoppedAt: 0 };

/**
 * A classification abandoned without `end()` would leave this thread waiting for chunks: it ends
 * itself after a minute without one (the scanner sees it gone and walks any later chunk itself).
 */
const IDLE_MS = 60_000;
let idle = setTimeout(() => process.exit(0), IDLE_MS);

parentPort!.on("message", (job: ScanJob) => {
  clearTimeout(idle);
  idle = setTimeout(() => process.exit(0), IDLE_MS);
  const slot = slots[job.slot]!;
  slot.reports.used = 0;
  findFlaggedLines(tables, slot.bytes, 0, job.limit, slot.records, result, slot.reports);
  const at = job.slot * CONTROL_INTS;
  control[at + 1] = result.records;
  control[at + 2] = result.lines;
  control[at + 3] = result.stoppedAt;
  // Last: the classifier's thread reads the three above once it sees the job's number here.
  Atomics.store(control, at, job.seq);
  Atomics.notify(control, at);
});

Atomics.store(control, data.ready, 1);
Atomics.notify(control, data.ready);
