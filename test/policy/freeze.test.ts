import { describe, expect, it } from "vitest";
import { activeFreeze, freezeMessage, policySchema, toInstant, type PolicyInput } from "../../src/policy/index.js";

const freeze = (...windows: NonNullable<PolicyInput["freeze"]>) => policySchema.parse({ freeze: windows }).freeze;
const at = (iso: string) => new Date(iso);
const untilOf = (f: ReturnType<typeof freeze>, iso: string) => activeFreeze(f, at(iso))?.until?.toISOString() ?? null;

describe("a weekly freeze across Europe/Berlin's spring-forward night (2026-03-29, 02:00 CET -> 03:00 CEST)", () => {
  const f = freeze({ days: ["sun"], start: "01:00", end: "04:00", timezone: "Europe/Berlin" });

  it("is not active a second before 01:00 CET", () => {
    expect(activeFreeze(f, at("2026-03-28T23:59:59Z"))).toBeNull();
  });

  it("starts at 01:00 CET (00:00 UTC) and ends at 04:00 CEST (02:00 UTC), two real hours later", () => {
    expect(untilOf(f, "2026-03-29T00:00:00Z")).toBe("2026-03-29T02:00:00.000Z");
  });

  it("is still active a millisecond before 04:00 CEST", () => {
    expect(activeFreeze(f, at("2026-03-29T01:59:59.999Z"))).not.toBeNull();
  });

  it("is over at 04:00 CEST exactly", () => {
    expect(activeFreeze(f, at("2026-03-29T02:00:00Z"))).toBeNull();
  });

  it("starts a window whose start time is skipped (02:30) at the moment the clocks jump", () => {
    const gap = freeze({ days: ["sun"], start: "02:30", end: "05:00", timezone: "Europe/Berlin" });
    expect(activeFreeze(gap, at("2026-03-29T00:59:59.999Z"))).toBeNull();
    expect(untilOf(gap, "2026-03-29T01:00:00Z")).toBe("2026-03-29T03:00:00.000Z");
  });

  it("maps a skipped local time to the instant right after the gap", () => {
    expect(toInstant({ year: 2026, month: 3, day: 29, minute: 2 * 60 + 30 }, "Europe/Berlin").toISOString()).toBe(
      "2026-03-29T01:00:00.000Z",
    );
  });

  it("covers the jump with a Saturday window that runs past midnight", () => {
    const night = freeze({ days: ["sat"], start: "23:00", end: "04:00", timezone: "Europe/Berlin" });
    expect(activeFreeze(night, at("2026-03-28T21:59:59Z"))).toBeNull();
    expect(untilOf(night, "2026-03-28T22:00:00Z")).toBe("2026-03-29T02:00:00.000Z");
    expect(activeFreeze(night, at("2026-03-29T01:59:00Z"))).not.toBeNull();
  });

  it("leaves the Sunday night free for a Saturday 01:00-04:00 window, since days are start days", () => {
    const sat = freeze({ days: ["sat"], start: "01:00", end: "04:00", timezone: "Europe/Berlin" });
    expect(untilOf(sat, "2026-03-28T00:00:00Z")).toBe("2026-03-28T03:00:00.000Z");
    expect(activeFreeze(sat, at("2026-03-29T00:30:00Z"))).toBeNull();
  });
});

describe("a weekly freeze across Europe/Berlin's fall-back night (2026-10-25, 03:00 CEST -> 02:00 CET)", () => {
  const f = freeze({ days: ["sun"], start: "01:00", end: "04:00", timezone: "Europe/Berlin" });

  it("is not active a second before 01:00 CEST", () => {
    expect(activeFreeze(f, at("2026-10-24T22:59:59Z"))).toBeNull();
  });

  it("starts at 01:00 CEST (23:00 UTC) and ends at 04:00 CET (03:00 UTC), four real hours later", () => {
    expect(untilOf(f, "2026-10-24T23:00:00Z")).toBe("2026-10-25T03:00:00.000Z");
  });

  it("is active during both passes of the repeated hour", () => {
    expect(activeFreeze(f, at("2026-10-25T00:30:00Z"))).not.toBeNull(); // 02:30 CEST
    expect(activeFreeze(f, at("2026-10-25T01:30:00Z"))).not.toBeNull(); // 02:30 CET
  });

  it("is still active a millisecond before 04:00 CET and over at 04:00 CET", () => {
    expect(activeFreeze(f, at("2026-10-25T02:59:59.999Z"))).not.toBeNull();
    expect(activeFreeze(f, at("2026-10-25T03:00:00Z"))).toBeNull();
  });

  it("starts a window at the first of two 02:30s", () => {
    const rep = freeze({ days: ["sun"], start: "02:30", end: "05:00", timezone: "Europe/Berlin" });
    expect(activeFreeze(rep, at("2026-10-25T00:29:59Z"))).toBeNull();
    expect(untilOf(rep, "2026-10-25T00:30:00Z")).toBe("2026-10-25T04:00:00.000Z");
  });

  it("ends a window at the second of two 02:30s", () => {
    const rep = freeze({ days: ["sun"], start: "01:00", end: "02:30", timezone: "Europe/Berlin" });
    expect(untilOf(rep, "2026-10-25T01:15:00Z")).toBe("2026-10-25T01:30:00.000Z");
    expect(activeFreeze(rep, at("2026-10-25T01:30:00Z"))).toBeNull();
  });
});

describe("a weekly freeze across America/New_York's changes", () => {
  const f = freeze({ days: ["sun"], start: "01:00", end: "04:00", timezone: "America/New_York" });

  it("runs from 01:00 EST to 04:00 EDT on the spring-forward night (2026-03-08)", () => {
    expect(activeFreeze(f, at("2026-03-08T05:59:59Z"))).toBeNull();
    expect(untilOf(f, "2026-03-08T06:00:00Z")).toBe("2026-03-08T08:00:00.000Z");
    expect(activeFreeze(f, at("2026-03-08T08:00:00Z"))).toBeNull();
  });

  it("runs from 01:00 EDT to 04:00 EST on the fall-back night (2026-11-01)", () => {
    expect(activeFreeze(f, at("2026-11-01T04:59:59Z"))).toBeNull();
    expect(untilOf(f, "2026-11-01T05:00:00Z")).toBe("2026-11-01T09:00:00.000Z");
    expect(activeFreeze(f, at("2026-11-01T08:59:59Z"))).not.toBeNull();
    expect(activeFreeze(f, at("2026-11-01T09:00:00Z"))).toBeNull();
  });

  it("reads the same UTC instant as a different local day than Berlin does", () => {
    const fri = freeze({ days: ["fri"], timezone: "America/New_York" });
    // Saturday 02:00 UTC is still Friday 22:00 in New York (EDT).
    expect(activeFreeze(fri, at("2026-06-06T02:00:00Z"))).not.toBeNull();
    expect(activeFreeze(freeze({ days: ["fri"], timezone: "Europe/Berlin" }), at("2026-06-06T02:00:00Z"))).toBeNull();
  });
});

describe("a weekly freeze on an ordinary week (Europe/Berlin, CEST)", () => {
  it("runs a Friday 22:00-06:00 window past midnight into Saturday", () => {
    const f = freeze({ days: ["fri"], start: "22:00", end: "06:00", timezone: "Europe/Berlin" });
    expect(activeFreeze(f, at("2026-06-05T19:59:59Z"))).toBeNull();
    expect(untilOf(f, "2026-06-05T20:00:00Z")).toBe("2026-06-06T04:00:00.000Z");
    expect(activeFreeze(f, at("2026-06-06T03:59:59Z"))).not.toBeNull();
    expect(activeFreeze(f, at("2026-06-06T04:00:00Z"))).toBeNull();
  });

  it("does not start a midnight-crossing window on a day it does not list", () => {
    const f = freeze({ days: ["fri"], start: "22:00", end: "06:00", timezone: "Europe/Berlin" });
    expect(activeFreeze(f, at("2026-06-04T21:00:00Z"))).toBeNull(); // Thursday 23:00
    expect(activeFreeze(f, at("2026-06-06T21:00:00Z"))).toBeNull(); // Saturday 23:00
  });

  it("is active at 23:59 and over at 00:00 for a window ending at 24:00", () => {
    const f = freeze({ days: ["fri"], start: "16:00", end: "24:00", timezone: "Europe/Berlin" });
    expect(untilOf(f, "2026-06-05T21:59:00Z")).toBe("2026-06-05T22:00:00.000Z");
    expect(activeFreeze(f, at("2026-06-05T22:00:00Z"))).toBeNull();
  });

  it("is not active at 23:59 and active at 00:00 for a window starting at 00:00", () => {
    const f = freeze({ days: ["sat"], start: "00:00", end: "06:00", timezone: "Europe/Berlin" });
    expect(activeFreeze(f, at("2026-06-05T21:59:00Z"))).toBeNull();
    expect(activeFreeze(f, at("2026-06-05T22:00:00Z"))).not.toBeNull();
  });

  it("reports when writing is allowed again across back-to-back windows", () => {
    const f = freeze(
      { days: ["fri"], start: "16:00", end: "24:00", timezone: "Europe/Berlin", reason: "no Friday deploys" },
      { days: ["sat", "sun"], timezone: "Europe/Berlin" },
    );
    expect(activeFreeze(f, at("2026-06-05T15:00:00Z"))).toEqual({
      rule: "policy.freeze[0]",
      reason: "no Friday deploys",
      until: at("2026-06-07T22:00:00Z"),
      timezone: "Europe/Berlin",
    });
  });

  it("names the first listed window when several are active", () => {
    const f = freeze(
      { days: ["sat"], start: "10:00", end: "12:00", timezone: "UTC" },
      { days: ["sat"], timezone: "UTC" },
    );
    expect(activeFreeze(f, at("2026-06-06T11:00:00Z"))).toMatchObject({
      rule: "policy.freeze[0]",
      until: at("2026-06-07T00:00:00Z"),
    });
  });

  it("has no end when every day is frozen", () => {
    const f = freeze({ days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], timezone: "UTC", reason: "migration" });
    const active = activeFreeze(f, at("2026-06-05T12:00:00Z"));
    expect(active?.until).toBeNull();
    expect(active && freezeMessage(active)).toBe('change freeze "migration" (policy.freeze[0]) with no end in sight');
  });

  it("is null when no window is configured", () => {
    expect(activeFreeze([], at("2026-06-05T12:00:00Z"))).toBeNull();
  });
});

describe("a date-range freeze", () => {
  const f = freeze(
    { days: ["mon"], start: "09:00", end: "10:00", timezone: "UTC" },
    { from: "2026-12-20", to: "2027-01-04", timezone: "America/New_York", reason: "holidays" },
  );

  it("starts at midnight of the from day in its zone, not in UTC", () => {
    expect(activeFreeze(f, at("2026-12-20T04:59:59Z"))).toBeNull();
    expect(activeFreeze(f, at("2026-12-20T05:00:00Z"))).toMatchObject({ rule: "policy.freeze[1]" });
  });

  it("includes the whole to day in its zone, even after that day has ended in UTC", () => {
    expect(activeFreeze(f, at("2027-01-05T01:00:00Z"))).not.toBeNull();
    expect(activeFreeze(f, at("2027-01-05T04:59:59.999Z"))).not.toBeNull();
  });

  it("is over at midnight after the to day in its zone", () => {
    expect(activeFreeze(f, at("2027-01-05T05:00:00Z"))).toBeNull();
  });

  it("says in the zone's own time when it ends", () => {
    const active = activeFreeze(f, at("2026-12-24T12:00:00Z"));
    expect(active && freezeMessage(active)).toBe(
      'change freeze "holidays" (policy.freeze[1]) until 2027-01-05 00:00 America/New_York',
    );
  });

  it("honours local times on from and to, with to exclusive", () => {
    const g = freeze({ from: "2026-12-20T18:00", to: "2026-12-21T09:00", timezone: "Europe/Berlin" });
    expect(activeFreeze(g, at("2026-12-20T16:59:59Z"))).toBeNull();
    expect(untilOf(g, "2026-12-20T17:00:00Z")).toBe("2026-12-21T08:00:00.000Z");
    expect(activeFreeze(g, at("2026-12-21T08:00:00Z"))).toBeNull();
  });

  it("covers a single day when from and to are the same date", () => {
    const g = freeze({ from: "2026-07-04", to: "2026-07-04", timezone: "America/New_York" });
    expect(untilOf(g, "2026-07-04T04:00:00Z")).toBe("2026-07-05T04:00:00.000Z");
    expect(activeFreeze(g, at("2026-07-04T03:59:59Z"))).toBeNull();
  });
});
