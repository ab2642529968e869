/**
 * Wall-clock arithmetic in IANA time zones with nothing but `Intl.DateTimeFormat`, so freeze
 * windows mean what the people in that zone read on their clocks, across daylight-saving changes.
 */

/** A calendar date and a time of day, as read on a clock; `minute` may be 24 * 60 (end of day). */
export interface LocalDateTime {
  readonly year: number;
  readonly month: number; // 1..12
  readonly day: number;
  readonly minute: number; // minutes since local midnight
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // h23 so midnight is 00, never 24 (which `hour12: false` gives in some ICU versions).
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether the runtime knows this IANA zone name. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone });
    return true;
  } catch {
    return false; // the runtime throws for a zone it does not know: that is the answer
  }
}

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function fields(instant: number, timeZone: string): Fields {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) if (p.type !== "literal") out[p.type] = Number(p.value);
  return out as unknown as Fields;
}

/** The zone's offset from UTC at an instant, in ms (east positive). */
function offsetAt(instant: number, timeZone: string): number {
  const f = fields(instant, timeZone);
  const wholeSecond = Math.floor(instant / 1000) * 1000;
  return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second) - wholeSecond;
}

/** The wall clock at an instant: the date, minutes since midnight, the second and the weekday (0 = Sunday). */
export function toLocal(instant: Date, timeZone: string): LocalDateTime & { second: number; weekday: number } {
  const f = fields(instant.getTime(), timeZone);
  return {
    year: f.year,
    month: f.month,
    day: f.day,
    minute: f.hour * 60 + f.minute,
    second: f.second,
    weekday: new Date(Date.UTC(f.year, f.month - 1, f.day)).getUTCDay(),
  };
}

/** Milliseconds of the wall-clock reading as if it were UTC: a sortable key for local times. */
export function localKey(t: LocalDateTime): number {
  return Date.UTC(t.year, t.month - 1, t.day) + t.minute * 60_000;
}

/** The calendar date `days` after a local date. */
export function addDays(t: LocalDateTime, days: number): LocalDateTime {
  const d = new Date(Date.UTC(t.year, t.month - 1, t.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), minute: t.minute };
}

/** 0 = Sunday .. 6 = Saturday, like `Date#getUTCDay`. */
export function weekdayOf(t: LocalDateTime): number {
  return new Date(Date.UTC(t.year, t.month - 1, t.day)).getUTCDay();
}

/**
 * The instant a wall-clock reading denotes. A reading that happens twice (the repeated hour when
 * clocks go back) gives the earlier instant with `prefer: "earliest"` and the later one with
 * `"latest"`; a reading that never happens (the hour skipped when clocks go forward) gives the
 * instant right after the gap, i.e. the moment the clocks jump.
 */
export function toInstant(t: LocalDateTime, timeZone: string, prefer: "earliest" | "latest" = "earliest"): Date {
  const naive = localKey(t);
  // Offsets in force a day either side cover every zone's transitions (none are closer than that).
  const offsets = new Set([
    offsetAt(naive - 86_400_000, timeZone),
    offsetAt(naive, timeZone),
    offsetAt(naive + 86_400_000, timeZone),
  ]);
  const valid = [...offsets]
    .map((o) => naive - o)
    .filter((i) => i + offsetAt(i, timeZone) === naive)
    .sort((a, b) => a - b);
  if (valid.length > 0)
    return new Date(prefer === "earliest" ? (valid[0] as number) : (valid[valid.length - 1] as number));
  // In a gap: with the larger (after) offset the instant falls before the jump, with the smaller
  // (before) offset after it. The jump is the first instant whose offset is the after offset.
  const sorted = [...offsets].sort((a, b) => a - b);
  const before = sorted[0] as number;
  const after = sorted[sorted.length - 1] as number;
  let lo = naive - after; // still before the jump
  let hi = naive - before; // already past the jump
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid, timeZone) === after) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

const pad = (n: number) => String(n).padStart(2, "0");

/** `2027-01-05 00:00 America/New_York`: an instant as the people in that zone read it. */
export function formatLocal(instant: Date, timeZone: string): string {
  const t = toLocal(instant, timeZone);
  return `${t.year}-${pad(t.month)}-${pad(t.day)} ${pad(Math.floor(t.minute / 60))}:${pad(t.minute % 60)}${t.second ? ":" + pad(t.second) : ""} ${timeZone}`;
}

/** `2026-03-29 14:05 UTC` (seconds only when there are some). */
export function formatUtc(instant: Date): string {
  return formatLocal(instant, "UTC");
}

/** `"16:00"` → 960; `"24:00"` only when `allowEndOfDay`; null for anything else. */
export function parseClock(s: string, allowEndOfDay = false): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h === 24 && min === 0) return allowEndOfDay ? 24 * 60 : null;
  return h <= 23 && min <= 59 ? h * 60 + min : null;
}

/** `"2026-12-20"` (minute null: the whole day) or `"2026-12-20T18:00"` / `"2026-12-20 18:00"`; null when not a real date. */
export function parseLocalDate(s: string): { year: number; month: number; day: number; minute: number | null } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}:\d{2}))?$/.exec(s.trim());
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  if (m[4] === undefined) return { year, month, day, minute: null };
  const minute = parseClock(m[4]);
  return minute === null ? null : { year, month, day, minute };
}
