import { formatDuration } from "./duration.js";
import type { Policy } from "./policy-schema.js";
import { formatUtc } from "./zoned-time.js";

/** A cooldown still running, or null. Exactly at `last + cooldown` the next attempt is allowed. */
export function cooldownViolation(
  cooldown: Policy["cooldown"],
  last: { fingerprint: Date | null; repo: Date | null },
  now: Date,
): { rule: string; message: string; until: Date } | null {
  const checks = [
    { rule: "policy.cooldown.perFingerprint", ms: cooldown.perFingerprint, at: last.fingerprint, what: "this failure" },
    { rule: "policy.cooldown.perRepo", ms: cooldown.perRepo, at: last.repo, what: "this repository" },
  ];
  for (const c of checks) {
    if (c.ms <= 0 || c.at === null) continue;
    const until = new Date(c.at.getTime() + c.ms);
    if (now.getTime() < until.getTime()) {
      return {
        rule: c.rule,
        message: `cooldown: the last fix attempt for ${c.what} was less than ${formatDuration(c.ms)} ago (${c.rule}); next attempt after ${formatUtc(until)}`,
        until,
      };
    }
  }
  return null;
}
