import { clampLine, LIVE_KEEP, type LiveEvent, type LiveFeed, type LiveRecord } from "./live-feed.js";

interface RunBuffer {
  next: number;
  records: LiveRecord[];
  listeners: Set<(r: LiveRecord) => void>;
  endedAt: number | null;
}

/** One process (embedded defaults): the pipeline and the dashboard share memory. */
export class MemoryLiveFeed implements LiveFeed {
  readonly kind = "memory" as const;
  private readonly runs = new Map<string, RunBuffer>();

  /** `retainMs`: how long a finished run's lines stay for viewers. */
  constructor(private readonly retainMs = 60 * 60 * 1000) {}

  publish(runId: string, event: LiveEvent): void {
    const run = this.buffer(runId);
    const record: LiveRecord = {
      id: String(++run.next),
      runId,
      at: Date.now(),
      event: event.kind === "line" ? { ...event, text: clampLine(event.text) } : event,
    };
    run.records.push(record);
    if (run.records.length > LIVE_KEEP) run.records.splice(0, run.records.length - LIVE_KEEP);
    if (event.kind === "end") run.endedAt = Date.now();
    for (const listener of run.listeners) listener(record);
    this.sweep();
  }

  subscribe(runId: string, listener: (record: LiveRecord) => void, afterId?: string): () => void {
    const run = this.buffer(runId);
    const after = afterId === undefined ? 0 : Number(afterId) || 0;
    for (const r of run.records) if (Number(r.id) > after) listener(r);
    run.listeners.add(listener);
    return () => void run.listeners.delete(listener);
  }

  async close(): Promise<void> {
    for (const run of this.runs.values()) run.listeners.clear();
    this.runs.clear();
  }

  private buffer(runId: string): RunBuffer {
    let run = this.runs.get(runId);
    if (!run) this.runs.set(runId, (run = { next: 0, records: [], listeners: new Set(), endedAt: null }));
    return run;
  }

  private sweep(): void {
    const cutoff = Date.now() - this.retainMs;
    for (const [id, run] of this.runs)
      if (run.endedAt !== null && run.endedAt < cutoff && run.listeners.size === 0) this.runs.delete(id);
  }
}
