import type { Policy } from "./policy-schema.js";
import { formatUtc } from "./zoned-time.js";

const WINDOW_MS = 60 * 60_000;

/**
 * Too many fix pull requests, or null. `perHour` is a sliding window of the last 60 minutes,
 * (now - 60 min, now]: one opened exactly an hour ago no longer counts.
 */
export function rateLimitViolation(
  limit: Policy["rateLimit"],
  openedAt: readonly Date[],
  openNow: number,
  now: Date,
): { rule: string; message: string; retryAt: Date | null } | null {
  const t = now.getTime();
  const inWindow = openedAt
    .map((d) => d.getTime())
    .filter((x) => x > t - WINDOW_MS && x <= t)
    .sort((a, b) => a - b);
  if (inWindow.length >= limit.perHour) {
    // Below the limit again once enough of the oldest have aged out; with exactly perHour in the
    // window that is the oldest one's hour.
    const retryAt = new Date((inWindow[inWindow.length - limit.perHour] as number) + WINDOW_MS);
    return {
      rule: "policy.rateLimit.perHour",
      message: `rate limit: ${inWindow.length} fix pull requests opened in the last hour, the limit is ${limit.perHour} (policy.rateLimit.perHour); next after ${formatUtc(retryAt)}`,
      retryAt,
    };
  }
  if (openNow >= limit.concurrentOpen) {
    return {
      rule: "policy.rateLimit.concurrentOpen",
      message: `rate limit: ${openNow} of Sentinel's fix pull requests are open, the limit is ${limit.concurrentOpen} (policy.rateLimit.concurrentOpen); merge or close one first`,
      retryAt: null,
    };
  }
  return null;
}
