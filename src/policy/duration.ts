import { z } from "zod";
import { SentinelError } from "../core/index.js";

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
/** Longer than any cooldown or expiry anyone means; it also keeps `Date` arithmetic far from overflow. */
export const MAX_DURATION_MS = 366 * UNIT_MS.d;

/**
 * A duration in milliseconds: `"90s"`, `"30m"`, `"6h"`, `"2d"`, `"1w"`, combinations such as
 * `"1h30m"`, or a number (or digits-only string) of seconds. Throws with a message a user can act
 * on for anything else, including negative and absurdly long values.
 */
export function parseDuration(s: string | number): number {
  const ms = typeof s === "number" ? secondsToMs(s) : parseText(s);
  if (ms === null)
    throw new SentinelError(
      "E_DURATION",
      `${JSON.stringify(s)} is not a duration; write a number of seconds or e.g. "90s", "30m", "6h", "2d", "1w" (0 turns it off)`,
    );
  if (ms > MAX_DURATION_MS)
    throw new SentinelError("E_DURATION", `${JSON.stringify(s)} is longer than the 366 days Sentinel accepts`);
  return ms;
}

function secondsToMs(n: number): number | null {
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 1000) : null;
}

function parseText(s: string): number | null {
  const text = s.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return secondsToMs(Number(text));
  // Whole-string match of one or more `<number><unit>` parts, so "6 hours" or "6h!" is rejected.
  if (!/^(\d+(\.\d+)?[smhdw])+$/.test(text)) return null;
  let ms = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g))
    ms += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  return Math.round(ms);
}

/** `6h`, `1h30m`, `45s`, `0s`: the shortest text that reads back as the same duration. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return "0s";
  let rest = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ["w", 604_800],
    ["d", 86_400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join("") || "0s";
}

/** A config duration (text or seconds) read into milliseconds. */
export const durationSchema = z
  .union([z.string(), z.number()], {
    error: 'write a duration as a number of seconds or text such as "30m", "6h", "2d"',
  })
  .transform((value, ctx) => {
    try {
      return parseDuration(value);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
      return z.NEVER;
    }
  });
