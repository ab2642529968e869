import type { LedgerEntry, RunRow } from "./dashboard-queries.js";

/** One stretch of a run: a pipeline phase, or a wait for a human's approval, with what happened in it. */
export interface PhaseSegment {
  readonly label: string;
  readonly startedAt: Date;
  /** Null while the run is still in it. */
  readonly endedAt: Date | null;
  readonly ms: number;
  readonly entries: readonly LedgerEntry[];
}

/**
 * A run's phases from its ledger: each `phase.X` entry starts a segment that lasts until the next
 * one. The run's start is BOOTSTRAP (which has no ledger entry of its own); `run.waiting` starts a
 * wait that `run.resumed` ends; `run.finished` / `run.abandoned` end the last segment. A run still
 * running has an open last segment measured up to `now`.
 */
export function phaseTimeline(
  run: Pick<RunRow, "startedAt" | "finishedAt" | "status">,
  ledger: readonly LedgerEntry[],
  now: Date = new Date(),
): PhaseSegment[] {
  const starts: Array<{ label: string; at: Date; entries: LedgerEntry[] }> = [
    { label: "BOOTSTRAP", at: run.startedAt, entries: [] },
  ];
  let endedAt: Date | null = null;
  for (const entry of ledger) {
    const current = starts[starts.length - 1] as (typeof starts)[number];
    if (entry.kind.startsWith("phase.")) {
      starts.push({ label: entry.kind.slice("phase.".length), at: entry.at, entries: [entry] });
    } else if (entry.kind === "run.waiting") {
      current.entries.push(entry);
      starts.push({ label: "waiting for approval", at: entry.at, entries: [] });
    } else if (entry.kind === "run.resumed") {
      starts.push({ label: "resumed", at: entry.at, entries: [entry] });
    } else if (entry.kind === "run.finished" || entry.kind === "run.abandoned") {
      current.entries.push(entry);
      endedAt = entry.at;
    } else {
      current.entries.push(entry);
    }
  }
  // A run ended without a run.finished entry (a crash the janitor found) still has a finish time.
  if (endedAt === null && run.status !== "running" && run.status !== "waiting" && run.finishedAt)
    endedAt = run.finishedAt;
  return starts.map((s, i) => {
    const next = starts[i + 1];
    const end = next ? next.at : endedAt;
    const until = end ?? now;
    return {
      label: s.label,
      startedAt: s.at,
      endedAt: end,
      ms: Math.max(0, until.getTime() - s.at.getTime()),
      entries: s.entries,
    };
  });
}

/** `850 ms`, `4.2 s`, `3 min 05 s`, `2 h 10 min`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}
