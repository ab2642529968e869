import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  atLeast,
  DEFAULT_NOTIFY,
  DEFAULT_POLICY,
  modeSchema,
  notifySchema,
  parseDuration,
  parseTier,
  policySchema,
  slackChannelFor,
  TIER_NAMES,
} from "../../src/policy/index.js";

const issues = (input: unknown): string[] => {
  const r = policySchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

const EXAMPLE = parseYaml(`
minConfidence: 0.7
blastRadius: { maxFiles: 10, maxLines: 300, forbiddenPaths: ["infra/*"] }
cooldown: { perFingerprint: 6h, perRepo: 0 }
rateLimit: { perHour: 5, concurrentOpen: 3 }
freeze:
  - { days: [fri], start: "16:00", end: "24:00", timezone: Europe/Berlin, reason: "no Friday deploys" }
  - { from: "2026-12-20", to: "2027-01-04", timezone: America/New_York, reason: "holidays" }
approval:
  require:
    - { tiers: [T1], categories: [dependency], paths: ["package.json", "*.lock"] }
  approvers: { permission: maintain, users: ["@alice"], teams: [acme/release], slackUsers: [U012AB3CD] }
  expiresAfter: 72h
forks: approve
errorBudget: { maxErrors: 3, maxSameError: 2, maxViolations: 1 }
tiers: { start: T1, max: T3, promoteAfter: 3 }
wideScope: { maxFiles: 50, maxLines: 1500, allowPaths: ["infra/*"] }
rerun: { enabled: true, maxPerCommit: 1, maxFailedJobs: 2 }
flaky: { trackingIssueAfter: 3 }
loop: { maxAttemptsPerCommit: 2, maxAttemptsPerFingerprint: 5 }
`);

describe("the policy block", () => {
  it("fills every field with its default when the block is empty", () => {
    expect(DEFAULT_POLICY).toEqual({
      minConfidence: 0.6,
      blastRadius: { maxFiles: 20, maxLines: 400, forbiddenPaths: [] },
      cooldown: { perFingerprint: 6 * 3_600_000, perRepo: 0 },
      rateLimit: { perHour: 5, concurrentOpen: 3 },
      freeze: [],
      approval: {
        require: [],
        approvers: { permission: "maintain", users: [], teams: [], slackUsers: [] },
        modelWritten: true,
        expiresAfter: 72 * 3_600_000,
      },
      forks: "diagnose",
      errorBudget: { maxErrors: 3, maxSameError: 2, maxViolations: 1 },
      tiers: { start: 1, max: 2, promoteAfter: 3 },
      wideScope: { maxFiles: 50, maxLines: 1500, allowPaths: [] },
      rerun: { enabled: true, maxPerCommit: 1, maxFailedJobs: 2 },
      flaky: { trackingIssueAfter: 3 },
      loop: { maxAttemptsPerCommit: 2, maxAttemptsPerFingerprint: 5 },
    });
  });

  it("fills the rest of a block that gives only some of its fields", () => {
    expect(policySchema.parse({ cooldown: { perRepo: "30m" } }).cooldown).toEqual({
      perFingerprint: 6 * 3_600_000,
      perRepo: 30 * 60_000,
    });
  });

  it("reads a complete YAML policy into durations in ms, numeric tiers and typed freeze windows", () => {
    const p = policySchema.parse(EXAMPLE);
    expect(p.cooldown.perFingerprint).toBe(21_600_000);
    expect(p.approval.expiresAfter).toBe(259_200_000);
    expect(p.tiers).toEqual({ start: 1, max: 3, promoteAfter: 3 });
    expect(p.approval.require[0]?.tiers).toEqual([1]);
    expect(p.approval.approvers.users).toEqual(["alice"]);
    expect(p.freeze).toEqual([
      {
        kind: "weekly",
        days: ["fri"],
        start: "16:00",
        end: "24:00",
        timezone: "Europe/Berlin",
        reason: "no Friday deploys",
      },
      { kind: "dates", from: "2026-12-20", to: "2027-01-04", timezone: "America/New_York", reason: "holidays" },
    ]);
  });

  it("gives a weekly window every day, 00:00 and 24:00 when days, start or end are left out", () => {
    expect(policySchema.parse({ freeze: [{ start: "22:00", timezone: "UTC" }] }).freeze[0]).toMatchObject({
      kind: "weekly",
      days: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
      start: "22:00",
      end: "24:00",
    });
  });

  it("rejects an unknown key and lists the keys it accepts", () => {
    expect(issues({ rateLimit: { perHr: 5 } })).toEqual([
      'rateLimit: unknown key "perHr"; expected perHour, concurrentOpen',
    ]);
  });

  it("rejects an unknown top-level key of the block", () => {
    expect(issues({ minConfidance: 0.5 })[0]).toMatch(
      /^: unknown key "minConfidance"; expected minConfidence, blastRadius/,
    );
  });

  it("rejects a duration it cannot read and says how to write one", () => {
    expect(issues({ cooldown: { perFingerprint: "6 hours" } })).toEqual([
      'cooldown.perFingerprint: "6 hours" is not a duration; write a number of seconds or e.g. "90s", "30m", "6h", "2d", "1w" (0 turns it off)',
    ]);
  });

  it("rejects a negative duration", () => {
    expect(issues({ cooldown: { perRepo: -5 } })[0]).toMatch(/^cooldown\.perRepo: -5 is not a duration/);
  });

  it("rejects an approval expiry of zero", () => {
    expect(issues({ approval: { expiresAfter: 0 } })).toEqual([
      "approval.expiresAfter: approval.expiresAfter must be longer than 0",
    ]);
  });

  it("rejects a confidence above 1", () => {
    expect(issues({ minConfidence: 1.5 })).toEqual(["minConfidence: minConfidence must be a number from 0 to 1"]);
  });

  it("rejects a confidence below 0", () => {
    expect(issues({ minConfidence: -0.1 })).toEqual(["minConfidence: minConfidence must be a number from 0 to 1"]);
  });

  it("rejects a count that is not a whole number in range", () => {
    expect(issues({ rateLimit: { perHour: 0 } })).toEqual([
      "rateLimit.perHour: rateLimit.perHour must be a whole number from 1 to 1000",
    ]);
  });

  it("rejects a tier it does not know", () => {
    expect(issues({ tiers: { max: "T4" } })).toEqual([
      'tiers.max: "T4" is not a tier; use T0 (observe), T1 (propose), T2 (push) or T3 (wide)',
    ]);
  });

  it("rejects a start tier above the maximum tier", () => {
    expect(issues({ tiers: { start: "T3" } })).toEqual([
      "tiers.start: tiers.start (T3) is above tiers.max (T2); raise max or lower start",
    ]);
  });

  it("rejects a time of day past 23:59", () => {
    expect(issues({ freeze: [{ days: ["fri"], start: "25:00", timezone: "UTC" }] })).toEqual([
      'freeze.0.start: "25:00" is not a time; use "HH:MM" from 00:00 to 23:59',
    ]);
  });

  it("accepts 24:00 as an end but not as a start", () => {
    expect(issues({ freeze: [{ start: "24:00", end: "24:00", timezone: "UTC" }] })).toEqual([
      'freeze.0.start: "24:00" is not a time; use "HH:MM" from 00:00 to 23:59',
    ]);
  });

  it("asks for quotes when a time arrives as a number", () => {
    expect(issues({ freeze: [{ start: 960, timezone: "UTC" }] })).toEqual([
      'freeze.0.start: write a time as a quoted "HH:MM" string',
    ]);
  });

  it("rejects a window whose start and end are the same", () => {
    expect(issues({ freeze: [{ start: "10:00", end: "10:00", timezone: "UTC" }] })).toEqual([
      'freeze.0.end: start and end are the same time; for whole days use start "00:00" and end "24:00"',
    ]);
  });

  it("rejects a time zone the runtime does not know", () => {
    expect(issues({ freeze: [{ days: ["fri"], timezone: "Europe/Atlantis" }] })).toEqual([
      'freeze.0.timezone: "Europe/Atlantis" is not a time zone this server knows; use an IANA name such as "Europe/Berlin", "America/New_York" or "UTC"',
    ]);
  });

  it("requires a time zone on every window", () => {
    expect(issues({ freeze: [{ days: ["fri"] }] })).toEqual([
      'freeze.0.timezone: give the time zone as an IANA name such as "Europe/Berlin" or "UTC"',
    ]);
  });

  it("rejects a day name outside mon..sun", () => {
    expect(issues({ freeze: [{ days: ["friday"], timezone: "UTC" }] })).toEqual([
      'freeze.0.days.0: "friday" is not a day; use mon, tue, wed, thu, fri, sat or sun',
    ]);
  });

  it("rejects a date range that ends before it starts", () => {
    expect(issues({ freeze: [{ from: "2027-01-05", to: "2027-01-04", timezone: "UTC" }] })).toEqual([
      "freeze.0.to: the range ends (2027-01-04) before it starts (2027-01-05); from must come before to",
    ]);
  });

  it("accepts a one-day range whose from and to are the same date", () => {
    expect(issues({ freeze: [{ from: "2027-01-04", to: "2027-01-04", timezone: "UTC" }] })).toEqual([]);
  });

  it("rejects a date that does not exist", () => {
    expect(issues({ freeze: [{ from: "2026-02-30", to: "2026-03-02", timezone: "UTC" }] })).toEqual([
      'freeze.0.from: "2026-02-30" is not a date; use "YYYY-MM-DD" (the whole day) or "YYYY-MM-DDTHH:MM" (local time)',
    ]);
  });

  it("rejects a range that gives only one end", () => {
    expect(issues({ freeze: [{ from: "2026-12-20", timezone: "UTC" }] })).toEqual([
      "freeze.0.to: a date range needs both from and to",
    ]);
  });

  it("rejects a window that is both weekly and a date range", () => {
    expect(issues({ freeze: [{ days: ["fri"], from: "2026-12-20", to: "2026-12-21", timezone: "UTC" }] })).toEqual([
      "freeze.0: a freeze window is either weekly (days/start/end) or a date range (from/to), not both; split it into two windows",
    ]);
  });

  it("rejects an approval rule with an empty list", () => {
    expect(issues({ approval: { require: [{ paths: [] }] } })).toEqual([
      "approval.require.0.paths: list at least one glob, or leave paths out to match any",
    ]);
  });

  it("rejects a team written without its organization", () => {
    expect(issues({ approval: { approvers: { teams: ["release"] } } })).toEqual([
      'approval.approvers.teams.0: "release" is not a team; write "org/team-slug"',
    ]);
  });

  it("does not offer none as an approver permission", () => {
    expect(issues({ approval: { approvers: { permission: "none" } } })).toEqual([
      "approval.approvers.permission: permission is one of read, triage, write, maintain, admin",
    ]);
  });

  it("rejects a Slack user given by name instead of id", () => {
    expect(issues({ approval: { approvers: { slackUsers: ["alice"] } } })[0]).toMatch(/is not a Slack user id/);
  });

  it("generates a JSON Schema in which every field is described", () => {
    const schema = z.toJSONSchema(policySchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
    const undescribed: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (!node || typeof node !== "object") return;
      const n = node as Record<string, unknown>;
      for (const [k, v] of Object.entries((n.properties as Record<string, Record<string, unknown>>) ?? {})) {
        if (typeof v.description !== "string") undescribed.push(`${at}.${k}`);
        walk(v, `${at}.${k}`);
      }
      if (n.items) walk(n.items, `${at}[]`);
    };
    walk(schema, "policy");
    expect(undescribed).toEqual([]);
    expect((schema.properties as Record<string, Record<string, unknown>>).cooldown?.default).toEqual({});
  });
});

describe("parseDuration", () => {
  it.each([
    ["90s", 90_000],
    ["30m", 1_800_000],
    ["6h", 21_600_000],
    ["2d", 172_800_000],
    ["1w", 604_800_000],
    ["1h30m", 5_400_000],
    ["1.5h", 5_400_000],
    ["45", 45_000],
    [90, 90_000],
    [0, 0],
  ] as const)("reads %j as %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "6 hours", "h", "5x", "-5m", "6h!", "400d"])("throws on %j", (text) => {
    expect(() => parseDuration(text)).toThrow(/duration|366 days/);
  });

  it("throws on a negative or non-finite number of seconds", () => {
    expect(() => parseDuration(-1)).toThrow(/not a duration/);
    expect(() => parseDuration(Number.NaN)).toThrow(/not a duration/);
  });
});

describe("tiers, modes and permissions", () => {
  it.each(["T2", "t2", "2", "push", " T2 push "])("reads %j as tier 2", (s) => {
    expect(parseTier(s)).toBe(2);
  });

  it.each(["T4", "", "T2 propose", "pushy", "-1"])("does not read %j as a tier", (s) => {
    expect(parseTier(s)).toBeNull();
  });

  it("names the tiers", () => {
    expect(TIER_NAMES).toEqual({ 0: "T0 observe", 1: "T1 propose", 2: "T2 push", 3: "T3 wide" });
    expect([parseTier("observe"), parseTier("propose"), parseTier("wide")]).toEqual([0, 1, 3]);
  });

  it("accepts the four modes and rejects anything else with the list", () => {
    expect(modeSchema.parse("shadow")).toBe("shadow");
    expect(modeSchema.safeParse("fix").error?.issues[0]?.message).toBe(
      "mode is one of diagnose, shadow, propose, push",
    );
  });

  it("orders permissions none < read < triage < write < maintain < admin", () => {
    expect(atLeast("admin", "maintain")).toBe(true);
    expect(atLeast("maintain", "maintain")).toBe(true);
    expect(atLeast("write", "maintain")).toBe(false);
    expect(atLeast("none", "read")).toBe(false);
    expect(atLeast("triage", "read")).toBe(true);
  });
});

describe("the notify block", () => {
  const notify = notifySchema.parse({
    slack: { channel: "#ci", routes: { "approval-needed": "#ci-approvals", rerun: null } },
  });

  it("posts nothing to Slack by default", () => {
    expect(slackChannelFor(DEFAULT_NOTIFY, "fix-opened")).toBeNull();
  });

  it("sends an event without a route to the default channel", () => {
    expect(slackChannelFor(notify, "fix-opened")).toBe("#ci");
  });

  it("sends a routed event to its own channel", () => {
    expect(slackChannelFor(notify, "approval-needed")).toBe("#ci-approvals");
  });

  it("keeps an event routed to null out of Slack", () => {
    expect(slackChannelFor(notify, "rerun")).toBeNull();
  });

  it("routes an event even when there is no default channel", () => {
    const only = notifySchema.parse({ slack: { routes: { escalated: "C0123ABCD" } } });
    expect([slackChannelFor(only, "escalated"), slackChannelFor(only, "revoked")]).toEqual(["C0123ABCD", null]);
  });

  it("rejects a route for an event that does not exist and lists the events", () => {
    const r = notifySchema.safeParse({ slack: { routes: { "fix-merged": "#ci" } } });
    expect(r.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual([
      'slack.routes: unknown event "fix-merged"; events are fix-opened, approval-needed, revoked, escalated, freeze-blocked, rerun',
    ]);
  });

  it("rejects a channel name Slack would not accept", () => {
    expect(notifySchema.safeParse({ slack: { channel: "ci" } }).error?.issues[0]?.message).toBe(
      '"ci" is not a Slack channel; write "#name" (lowercase) or a channel id like C0123ABCD',
    );
  });
});
