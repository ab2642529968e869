import { DAYS, rangeEnd, type FreezeWindow, type Policy } from "./policy-schema.js";
import { addDays, formatLocal, parseClock, parseLocalDate, toInstant, toLocal, weekdayOf } from "./zoned-time.js";

// Following back-to-back windows (Friday evening into a weekend, a weekend into a holiday range)
// stops here; a freeze still going after this many hops is reported as having no known end.
const MAX_HOPS = 64;

/**
 * The freeze window in force at `now` (the first one listed, when several are), or null.
 * `until` is when writing is allowed again: the end of this window and of any window that
 * continues it without a gap; null when that is not within reach (e.g. every day frozen).
 */
export function activeFreeze(
  freeze: Policy["freeze"],
  now: Date,
): { rule: string; reason: string; until: Date | null; timezone: string } | null {
  const active = activeWindows(freeze, now.getTime());
  const first = active[0];
  if (!first) return null;
  let until = Math.max(...active.map((a) => a.end));
  let hops = 0;
  for (let next = activeWindows(freeze, until); next.length > 0; next = activeWindows(freeze, until)) {
    if (++hops > MAX_HOPS)
      return { rule: first.rule, reason: first.window.reason, until: null, timezone: first.window.timezone };
    until = Math.max(...next.map((a) => a.end));
  }
  return { rule: first.rule, reason: first.window.reason, until: new Date(until), timezone: first.window.timezone };
}

/** `change freeze "holidays" (policy.freeze[1]) until 2027-01-05 00:00 America/New_York`. */
export function freezeMessage(f: { rule: string; reason: string; until: Date | null; timezone: string }): string {
  const reason = f.reason ? ` ${JSON.stringify(f.reason)}` : "";
  return `change freeze${reason} (${f.rule}) ${f.until ? `until ${formatLocal(f.until, f.timezone)}` : "with no end in sight"}`;
}

function activeWindows(
  freeze: readonly FreezeWindow[],
  t: number,
): Array<{ rule: string; window: FreezeWindow; end: number }> {
  const out: Array<{ rule: string; window: FreezeWindow; end: number }> = [];
  freeze.forEach((window, i) => {
    const end = window.kind === "weekly" ? weeklyEnd(window, t) : rangeEndIfActive(window, t);
    if (end !== null) out.push({ rule: `policy.freeze[${i}]`, window, end });
  });
  return out;
}

/** The instant the weekly window containing `t` ends, or null when `t` is outside it. */
function weeklyEnd(w: Extract<FreezeWindow, { kind: "weekly" }>, t: number): number | null {
  const start = parseClock(w.start) as number;
  const end = parseClock(w.end, true) as number;
  const today = toLocal(new Date(t), w.timezone);
  // A window lasts at most a day of wall-clock time, so only one starting today or yesterday can contain t.
  for (const offset of [-1, 0]) {
    const day = addDays(today, offset);
    if (!w.days.includes(DAYS[weekdayOf(day)] as (typeof DAYS)[number])) continue;
    // A time the clocks skip starts or ends the window at the jump; a time they repeat starts it
    // at its first occurrence and ends it at its last, so the window never loses any of its wall-clock span.
    const from = toInstant({ ...day, minute: start }, w.timezone, "earliest").getTime();
    const endDay = end > start ? day : addDays(day, 1);
    const to = toInstant({ ...endDay, minute: end }, w.timezone, "latest").getTime();
    if (from <= t && t < to) return to;
  }
  return null;
}

function rangeEndIfActive(w: Extract<FreezeWindow, { kind: "dates" }>, t: number): number | null {
  const from = parseLocalDate(w.from);
  if (!from) return null;
  const start = toInstant(
    { year: from.year, month: from.month, day: from.day, minute: from.minute ?? 0 },
    w.timezone,
    "earliest",
  ).getTime();
  const end = toInstant(rangeEnd(w.to), w.timezone, "latest").getTime();
  return start <= t && t < end ? end : null;
}
