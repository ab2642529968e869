/**
 * What a running pipeline shows while it runs: each line its commands print, classified by the
 * sentinels as it streams, and its phase changes. Operators watch it on the dashboard; nothing
 * here is authoritative (the ledger is), so a lost event costs a line on a screen, never a fact.
 */
export type LiveEvent =
  | { readonly kind: "phase"; readonly phase: string }
  | {
      readonly kind: "line";
      /** The step or phase whose command printed it (a recipe step id, `diagnose`, `verify`). */
      readonly step: string;
      readonly lineNumber: number;
      readonly text: string;
      /** Set when a sentinel matched the line. */
      readonly finding?: {
        readonly classification: string;
        readonly category: string | null;
        readonly severity: string;
        readonly ruleId: string;
      };
    }
  | { readonly kind: "end"; readonly status: string; readonly reason: string };

/** An event as a subscriber sees it: `id` orders events of one run and resumes a stream (SSE's Last-Event-ID). */
export interface LiveRecord {
  readonly id: string;
  readonly runId: string;
  readonly at: number;
  readonly event: LiveEvent;
}

export interface LiveFeed {
  readonly kind: "memory" | "redis";
  /** Never throws and never waits on the publisher: a pipeline must not slow down or fail for its viewers. */
  publish(runId: string, event: LiveEvent): void;
  /**
   * Calls `listener` with the run's events after `afterId` (all that are kept when absent), then
   * with each new one until the returned function is called.
   */
  subscribe(runId: string, listener: (record: LiveRecord) => void, afterId?: string): () => void;
  close(): Promise<void>;
}

/** Lines kept per run for a viewer who opens the page late; older ones are dropped. */
export const LIVE_KEEP = 2000;
/** Lines longer than this are cut: a minified bundle on one line is not worth a megabyte of SSE. */
export const LIVE_MAX_LINE = 2000;

export function clampLine(text: string): string {
  return text.length > LIVE_MAX_LINE ? text.slice(0, LIVE_MAX_LINE) + "…" : text;
}
