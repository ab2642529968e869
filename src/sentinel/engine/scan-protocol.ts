/** What scan-pool.ts and scan-worker.ts share: the worker's start-up data and one job's message. */

export interface ScanWorkerData {
  readonly delta: SharedArrayBuffer;
  readonly classOf: SharedArrayBuffer;
  readonly stampEntry: number;
  readonly slots: ReadonlyArray<{
    readonly bytes: SharedArrayBuffer;
    readonly records: SharedArrayBuffer;
    /** The trigger lines' reporting states (flagged-lines.ts `ReportsOut`). */
    readonly reports: SharedArrayBuffer;
  }>;
  /** Per slot CONTROL_INTS ints: the last job done, then its records, lines and where it stopped. */
  readonly control: SharedArrayBuffer;
  /** The int of `control` the worker sets to 1 once it listens for jobs. */
  readonly ready: number;
}

export interface ScanJob {
  readonly slot: number;
  readonly seq: number;
  /** The slot's bytes `[0, limit)` are whole lines. */
  readonly limit: number;
}

export const CONTROL_INTS = 4;
