import type { IncomingMessage } from "node:http";
import { DEFAULT_BODY_DEADLINE_MS, DEFAULT_BODY_MIN_RATE } from "../core/index.js";

/**
 * How fast a request body must arrive. A body must be complete within `deadlineMs`, and by any
 * moment t after reading began, at least `minBytesPerSecond * (t - graceMs)` of it must have come:
 * byte k is due by `graceMs + k / minBytesPerSecond`. So a body of S bytes has `graceMs + S / rate`
 * to arrive (and never more than the deadline). Time the server itself kept the body waiting
 * (paused for room in the body budget) does not count against the rate; it counts against the
 * deadline, which is the bound on how long anything may be held.
 */
export interface BodyPace {
  readonly deadlineMs: number;
  readonly minBytesPerSecond: number;
  readonly graceMs: number;
}

// The deadline and rate defaults (and why those numbers) live in core/body-pace-defaults.ts.
export { DEFAULT_BODY_DEADLINE_MS, DEFAULT_BODY_MIN_RATE };
/** Covers connection start-up and a slow first round trip; small bodies arrive within it. */
export const DEFAULT_BODY_RATE_GRACE_MS = 1000;
export const DEFAULT_BODY_PACE: BodyPace = {
  deadlineMs: DEFAULT_BODY_DEADLINE_MS,
  minBytesPerSecond: DEFAULT_BODY_MIN_RATE,
  graceMs: DEFAULT_BODY_RATE_GRACE_MS,
};

const PACE = new WeakMap<IncomingMessage, BodyPace>();

/**
 * Sets the pace for one request's body. The HTTP server sets it on every request, so each route
 * that reads a body through readBody (GitHub, GitLab, the dashboard's login) is held to the same
 * pace without being configured one by one.
 */
export function setBodyPace(req: IncomingMessage, pace: BodyPace): void {
  PACE.set(req, pace);
}

/** The pace the server set for this request, or DEFAULT_BODY_PACE. */
export function bodyPaceOf(req: IncomingMessage): BodyPace {
  return PACE.get(req) ?? DEFAULT_BODY_PACE;
}

export interface PaceWatch {
  /** Counts bytes that arrived. */
  received(bytes: number): void;
  /** The server stops reading (no room in the budget): the rate clock stops, the deadline does not. */
  pause(): void;
  resume(): void;
  stop(): void;
}

/**
 * Watches one body's progress and calls `onLate` once, when it falls behind. One timer, set for the
 * earliest moment the body could be late given what has come so far; when it fires and bytes have
 * come since, it is set again further on, so a fast body costs a handful of timer runs.
 */
export function watchPace(
  pace: BodyPace,
  onLate: (reason: "deadline" | "min-rate", received: number, elapsedMs: number) => void,
  now: () => number = Date.now,
): PaceWatch {
  const start = now();
  let bytes = 0;
  let pausedMs = 0;
  let pausedAt: number | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  const dueAt = (): number => {
    const deadline = start + pace.deadlineMs;
    if (pausedAt !== null || pace.minBytesPerSecond <= 0) return deadline;
    // When the next byte is due: grace + (bytes + 1) / rate, on the clock that skips paused time.
    return Math.min(
      deadline,
      start + pausedMs + pace.graceMs + Math.ceil(((bytes + 1) * 1000) / pace.minBytesPerSecond),
    );
  };
  const lateness = (): "deadline" | "min-rate" | null => {
    const t = now();
    if (t - start >= pace.deadlineMs) return "deadline";
    if (pausedAt !== null || pace.minBytesPerSecond <= 0) return null;
    const active = t - start - pausedMs - pace.graceMs;
    return active > 0 && bytes < (pace.minBytesPerSecond * active) / 1000 ? "min-rate" : null;
  };
  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(check, Math.max(1, dueAt() - now()));
  };
  const check = () => {
    timer = null;
    if (stopped) return;
    if (lateness() === null) return arm();
    // The verdict waits one turn of the event loop: if the process was busy (verifying another
    // large body), bytes that came meanwhile are still unread and must count first.
    setImmediate(() => {
      if (stopped) return;
      const reason = lateness();
      if (reason === null) return arm();
      stopped = true;
      onLate(reason, bytes, now() - start);
    });
  };
  arm();
  return {
    received(n) {
      bytes += n;
    },
    pause() {
      if (pausedAt !== null || stopped) return;
      pausedAt = now();
      arm();
    },
    resume() {
      if (pausedAt === null || stopped) return;
      pausedMs += now() - pausedAt;
      pausedAt = null;
      arm();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
