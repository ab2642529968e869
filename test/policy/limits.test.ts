import { describe, expect, it } from "vitest";
import { cooldownViolation, DEFAULT_POLICY, policySchema, rateLimitViolation } from "../../src/policy/index.js";

const NOW = new Date("2026-06-03T12:00:00Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const MIN = 60_000;
const limit = DEFAULT_POLICY.rateLimit; // 5 per hour, 3 open

describe("the rate limit", () => {
  it("allows the 5th pull request of the hour", () => {
    expect(rateLimitViolation(limit, [ago(50 * MIN), ago(40 * MIN), ago(30 * MIN), ago(20 * MIN)], 0, NOW)).toBeNull();
  });

  it("refuses the 6th pull request of the hour and retries when the oldest is an hour old", () => {
    const opened = [ago(50 * MIN), ago(40 * MIN), ago(30 * MIN), ago(20 * MIN), ago(10 * MIN)];
    expect(rateLimitViolation(limit, opened, 0, NOW)).toEqual({
      rule: "policy.rateLimit.perHour",
      message:
        "rate limit: 5 fix pull requests opened in the last hour, the limit is 5 (policy.rateLimit.perHour); next after 2026-06-03 12:10 UTC",
      retryAt: new Date("2026-06-03T12:10:00Z"),
    });
  });

  it("no longer counts a pull request opened exactly 60 minutes ago", () => {
    expect(
      rateLimitViolation(limit, [ago(60 * MIN), ago(40 * MIN), ago(30 * MIN), ago(20 * MIN), ago(10 * MIN)], 0, NOW),
    ).toBeNull();
  });

  it("still counts one opened a millisecond less than 60 minutes ago", () => {
    const v = rateLimitViolation(
      limit,
      [ago(60 * MIN - 1), ago(40 * MIN), ago(30 * MIN), ago(20 * MIN), ago(10 * MIN)],
      0,
      NOW,
    );
    expect(v?.retryAt).toEqual(new Date(NOW.getTime() + 1));
  });

  it("retries once enough have aged out when more than the limit are in the window", () => {
    const opened = [10, 20, 30, 40, 50, 55, 58].map((m) => ago(m * MIN)); // 7 in the window, limit 5
    expect(rateLimitViolation(limit, opened, 0, NOW)?.retryAt).toEqual(new Date(ago(50 * MIN).getTime() + 60 * MIN));
  });

  it("ignores times after now", () => {
    const future = new Date(NOW.getTime() + MIN);
    expect(
      rateLimitViolation(limit, [future, ago(40 * MIN), ago(30 * MIN), ago(20 * MIN), ago(10 * MIN)], 0, NOW),
    ).toBeNull();
  });

  it("refuses while as many fix pull requests are open as allowed, with no retry time", () => {
    expect(rateLimitViolation(limit, [], 3, NOW)).toMatchObject({
      rule: "policy.rateLimit.concurrentOpen",
      retryAt: null,
    });
  });

  it("allows one fewer open pull request than the limit", () => {
    expect(rateLimitViolation(limit, [], 2, NOW)).toBeNull();
  });
});

describe("the cooldown", () => {
  const cooldown = policySchema.parse({ cooldown: { perFingerprint: "6h", perRepo: "30m" } }).cooldown;

  it("refuses a second attempt on a fingerprint within 6 hours and says until when", () => {
    const last = ago(6 * 60 * MIN - 1);
    expect(cooldownViolation(cooldown, { fingerprint: last, repo: null }, NOW)).toEqual({
      rule: "policy.cooldown.perFingerprint",
      message:
        "cooldown: the last fix attempt for this failure was less than 6h ago (policy.cooldown.perFingerprint); next attempt after 2026-06-03 12:00 UTC",
      until: new Date(NOW.getTime() + 1),
    });
  });

  it("allows the attempt exactly when the cooldown ends", () => {
    expect(cooldownViolation(cooldown, { fingerprint: ago(6 * 60 * MIN), repo: null }, NOW)).toBeNull();
  });

  it("refuses any attempt in the repo within the per-repo cooldown", () => {
    expect(cooldownViolation(cooldown, { fingerprint: null, repo: ago(29 * MIN) }, NOW)).toMatchObject({
      rule: "policy.cooldown.perRepo",
      until: new Date(NOW.getTime() + MIN),
    });
  });

  it("checks the fingerprint before the repo", () => {
    expect(cooldownViolation(cooldown, { fingerprint: ago(MIN), repo: ago(MIN) }, NOW)?.rule).toBe(
      "policy.cooldown.perFingerprint",
    );
  });

  it("does nothing when the cooldown is 0", () => {
    expect(cooldownViolation(DEFAULT_POLICY.cooldown, { fingerprint: null, repo: ago(1) }, NOW)).toBeNull();
  });

  it("does nothing when nothing was attempted before", () => {
    expect(cooldownViolation(cooldown, { fingerprint: null, repo: null }, NOW)).toBeNull();
  });
});
