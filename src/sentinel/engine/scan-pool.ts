import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { RECORD_INTS } from "./flagged-lines.js";
import type { Prefilter } from "./prefilter.js";
import { CONTROL_INTS, type ScanJob, type ScanWorkerData } from "./scan-protocol.js";

/** A chunk handed to the worker: its slot and job number. */
export interface ScanTicket {
  readonly slot: number;
  readonly seq: number;
}

/** The worker's walk over one chunk (flagged-lines.ts), read from the shared slot. */
export interface ScanOutcome {
  readonly records: Int32Array;
  /** The trigger lines' reporting states, which records point into. */
  readonly reports: Int32Array;
  readonly count: number;
  readonly lines: number;
  readonly stoppedAt: number;
}

/** Two slots: the worker walks one chunk while the classifier's thread reads the other's records. */
const SLOTS = 2;
/** Where the worker says it is up, after the slots' control ints. */
const READY = SLOTS * CONTROL_INTS;
/**
 * How long the classifier's thread waits for a chunk's walk before doing it itself: far longer
 * than a walk takes (~1 ms for 256 KiB), so only a worker that died or never started runs into it.
 */
const WAIT_MS = 10_000;

/**
 * A worker thread that walks chunks of a log for flagged lines (flagged-lines.ts) one chunk
 * ahead of the classifier, which then only reads its records: the byte walk, a fifth of a
 * classify run, leaves the rules' thread. Any failure (no worker file, a worker that dies, a chunk
 * larger than a slot) makes the caller walk the chunk itself: nothing is lost, only the speed.
 */
export class ScanWorker {
  private readonly worker: Worker;
  private readonly control: Int32Array;
  private readonly slots: Array<{ bytes: Buffer; records: Int32Array; reports: Int32Array }>;
  private seq = 0;
  private next = 0;
  private failed = false;

  private constructor(
    pf: Prefilter,
    readonly slotBytes: number,
    url: URL,
  ) {
    const shared = sharedTables(pf);
    const slots = Array.from({ length: SLOTS }, () => ({
      bytes: new SharedArrayBuffer(slotBytes),
      // A flagged line takes at least two bytes (a literal's and its newline): never a full slot.
      records: new SharedArrayBuffer((Math.floor(slotBytes / 2) + 1) * RECORD_INTS * 4),
      // At most one reporting state per byte.
      reports: new SharedArrayBuffer(slotBytes * 4),
    }));
    // (One more int: the worker's "ready".)
    const control = new SharedArrayBuffer((SLOTS * CONTROL_INTS + 1) * 4);
    const data: ScanWorkerData = { ...shared, stampEntry: pf.stampEntry, slots, control, ready: READY };
    this.control = new Int32Array(control);
    this.slots = slots.map((s) => ({
      bytes: Buffer.from(s.bytes),
      records: new Int32Array(s.records),
      reports: new Int32Array(s.reports),
    }));
    // Nothing of the process's environment: the walk needs none of it.
    this.worker = new Worker(url, {
      workerData: data,
      env: {},
      stdout: false,
      stderr: false,
      // It allocates next to nothing (typed arrays over the shared slots): a small heap keeps
      // its share of the process's memory small.
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
    });
    this.worker.unref();
    // A worker that fails only costs speed: the scanner walks the chunks itself from then on.
    this.worker.on("error", () => (this.failed = true));
    this.worker.on("exit", () => (this.failed = true));
  }

  /**
   * A worker for `pf`'s tables, or null where none can run or would help: one CPU, the compiled
   * worker file is missing (a bundle that left it out), or the thread cannot be made.
   */
  static start(pf: Prefilter, slotBytes: number): ScanWorker | null {
    // On one CPU a second thread only takes turns with the first, and costs its memory.
    if (availableParallelism() < 2) return null;
    const url = workerUrl();
    if (!url) return null;
    try {
      return new ScanWorker(pf, slotBytes, url);
    } catch {
      // No thread (a runtime without workers, a limit on threads): the caller walks the bytes itself.
      return null;
    }
  }

  /** Blocks until the worker listens for jobs (at most `ms`); whether it does. */
  awaitReady(ms: number): boolean {
    if (Atomics.load(this.control, READY) === 0) Atomics.wait(this.control, READY, 0, ms);
    return Atomics.load(this.control, READY) === 1;
  }

  /** The slot's copy of a submitted chunk (valid until the slot's next chunk). */
  bytes(ticket: ScanTicket): Buffer {
    return this.slots[ticket.slot]!.bytes;
  }

  /**
   * Copies whole lines, `head` then `rest` up to `limit` bytes in all, into a slot and starts the
   * walk; null when it cannot (the worker is not up yet, or failed, or the lines are larger than a slot).
   */
  submit(head: Buffer | null, rest: Buffer, limit: number): ScanTicket | null {
    if (this.failed || limit > this.slotBytes || Atomics.load(this.control, READY) === 0) return null;
    const slot = this.next;
    this.next = (this.next + 1) % SLOTS;
    const bytes = this.slots[slot]!.bytes;
    const at = head ? head.copy(bytes, 0) : 0;
    rest.copy(bytes, at, 0, limit - at);
    const job: ScanJob = { slot, seq: ++this.seq, limit };
    this.worker.postMessage(job);
    return { slot, seq: job.seq };
  }

  /** The walk of a submitted chunk, once done; null when the worker failed (walk it yourself). */
  wait(ticket: ScanTicket): ScanOutcome | null {
    const at = ticket.slot * CONTROL_INTS;
    const deadline = Date.now() + WAIT_MS;
    let done = Atomics.load(this.control, at);
    while (done !== ticket.seq && !this.failed) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      Atomics.wait(this.control, at, done, Math.min(left, 50));
      done = Atomics.load(this.control, at);
    }
    if (done !== ticket.seq) {
      this.failed = true;
      return null;
    }
    return {
      records: this.slots[ticket.slot]!.records,
      reports: this.slots[ticket.slot]!.reports,
      count: this.control[at + 1]!,
      lines: this.control[at + 2]!,
      stoppedAt: this.control[at + 3]!,
    };
  }

  close(): void {
    this.failed = true;
    void this.worker.terminate();
  }
}

/**
 * The compiled worker next to this module, or null when it is not there (a bundle that left it
 * out). Under the tests the sources run as TypeScript: a bootstrap registers tsx in the worker
 * and imports the source (a loader given on the worker's command line does not reach it).
 */
function workerUrl(): URL | null {
  if (import.meta.url.endsWith(".ts")) {
    const source = new URL("./scan-worker.ts", import.meta.url).href;
    // tsx's ESM entry for its API (require.resolve finds the CommonJS one beside it).
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm/api")).href.replace(/\.cjs$/, ".mjs");
    const boot = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(source)});`;
    return new URL("data:text/javascript," + encodeURIComponent(boot));
  }
  // Compiled by tsc (`.js`) or bundled beside the CLI (`.mjs`).
  for (const name of ["./scan-worker.js", "./scan-worker.mjs"]) {
    const compiled = new URL(name, import.meta.url);
    if (compiled.protocol === "file:" && existsSync(fileURLToPath(compiled))) return compiled;
  }
  return null;
}

/** The tables copied into shared memory once per prefilter (it is read-only and shared too). */
const sharedCopies = new WeakMap<Prefilter, { delta: SharedArrayBuffer; classOf: SharedArrayBuffer }>();

function sharedTables(pf: Prefilter): { delta: SharedArrayBuffer; classOf: SharedArrayBuffer } {
  let copy = sharedCopies.get(pf);
  if (!copy) {
    const delta = new SharedArrayBuffer(pf.delta.byteLength);
    new Int32Array(delta).set(pf.delta);
    const classOf = new SharedArrayBuffer(pf.classOf.byteLength);
    new Uint8Array(classOf).set(pf.classOf);
    copy = { delta, classOf };
    sharedCopies.set(pf, copy);
  }
  return copy;
}
