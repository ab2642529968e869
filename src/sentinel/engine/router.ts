import type { Finding, RoutingTarget } from "../model/types.js";
import type { CompiledRoute, CompiledSentinel } from "../rules/rule-set.js";

/** What a route hands to its target (delivery is another concern's job). */
export interface RoutedEvent {
  readonly target: RoutingTarget;
  readonly sentinelId: string;
  readonly options: Readonly<Record<string, string | number | boolean>>;
  readonly findings: readonly Finding[];
  /** Findings that qualified, including those beyond the window's `max`. */
  readonly count: number;
  readonly dropped: number;
  readonly firstLine: number;
  readonly lastLine: number;
  readonly reason: "window-closed" | "end-of-stream";
}

interface OpenWindow {
  findings: Finding[];
  count: number;
  startTime?: number;
  startLine: number;
  lastLine: number;
}

/**
 * Aggregation windows per sentinel route: findings are collected from the first one for the
 * window's duration (log time), then sent as one event if at least `min` arrived, carrying at
 * most `max`. A zero-length window sends each finding on its own.
 */
export class Router {
  private readonly routes = new Map<string, Array<{ route: CompiledRoute; window: OpenWindow | null }>>();

  constructor(
    sentinels: readonly CompiledSentinel[],
    private readonly emit: (e: RoutedEvent) => void,
  ) {
    for (const s of sentinels)
      if (s.routes.length > 0)
        this.routes.set(
          s.id,
          s.routes.map((route) => ({ route, window: null })),
        );
  }

  observe(f: Finding): void {
    const list = this.routes.get(f.sentinelId);
    if (!list) return;
    for (const slot of list) {
      const { route } = slot;
      if (!route.classifications.includes(f.classification)) continue;
      if (slot.window && this.expired(slot.window, route, f)) this.close(f.sentinelId, slot, "window-closed");
      const w = (slot.window ??= {
        findings: [],
        count: 0,
        startLine: f.logLine,
        lastLine: f.logLine,
        ...(f.time === undefined ? {} : { startTime: f.time }),
      });
      w.count++;
      w.lastLine = f.logLine;
      if (w.findings.length < route.max) w.findings.push(f);
      if (route.windowMs === 0) this.close(f.sentinelId, slot, "window-closed");
    }
  }

  end(): void {
    for (const [sentinelId, list] of this.routes)
      for (const slot of list) if (slot.window) this.close(sentinelId, slot, "end-of-stream");
  }

  private expired(w: OpenWindow, route: CompiledRoute, f: Finding): boolean {
    return w.startTime !== undefined && f.time !== undefined && f.time - w.startTime >= route.windowMs;
  }

  private close(
    sentinelId: string,
    slot: { route: CompiledRoute; window: OpenWindow | null },
    reason: RoutedEvent["reason"],
  ): void {
    const w = slot.window;
    slot.window = null;
    if (!w || w.count < slot.route.min) return;
    this.emit({
      target: slot.route.target,
      sentinelId,
      options: slot.route.options,
      findings: w.findings,
      count: w.count,
      dropped: w.count - w.findings.length,
      firstLine: w.startLine,
      lastLine: w.lastLine,
      reason,
    });
  }
}
