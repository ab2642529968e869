import { z } from "zod";
import { SentinelError } from "../core/index.js";
import { strictObject } from "./strict-object.js";
import { durationSchema, MAX_DURATION_MS } from "./duration.js";
import { approverPermissionSchema } from "./permission.js";
import { tierLabel, tierSchema } from "./tier.js";
import { isTimeZone, parseClock, parseLocalDate } from "./zoned-time.js";

export const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Day = (typeof DAYS)[number];

const glob = z.string().min(1, "a glob cannot be empty").max(500);
const globs = (what: string) => z.array(glob).max(200).default([]).describe(what);
const count = (min: number, max: number, what: string) =>
  z
    .number({ error: `${what} must be a whole number from ${min} to ${max}` })
    .int({ error: `${what} must be a whole number from ${min} to ${max}` })
    .min(min, { error: `${what} must be a whole number from ${min} to ${max}` })
    .max(max, { error: `${what} must be a whole number from ${min} to ${max}` });

const timeZoneSchema = z
  .string({ error: 'give the time zone as an IANA name such as "Europe/Berlin" or "UTC"' })
  .refine(isTimeZone, {
    error: (iss) =>
      `${JSON.stringify(iss.input)} is not a time zone this server knows; use an IANA name such as "Europe/Berlin", "America/New_York" or "UTC"`,
  })
  .describe('IANA time zone the window is read in, e.g. "Europe/Berlin"; daylight-saving changes are followed.');

const clock = (allowEndOfDay: boolean) =>
  z.string({ error: 'write a time as a quoted "HH:MM" string' }).refine((s) => parseClock(s, allowEndOfDay) !== null, {
    error: (iss) =>
      `${JSON.stringify(iss.input)} is not a time; use "HH:MM" from 00:00 to 23:59${allowEndOfDay ? " (or 24:00 for the end of the day)" : ""}`,
  });

const localDate = z
  .string({ error: 'write a date as a quoted "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM" string' })
  .refine((s) => parseLocalDate(s) !== null, {
    error: (iss) =>
      `${JSON.stringify(iss.input)} is not a date; use "YYYY-MM-DD" (the whole day) or "YYYY-MM-DDTHH:MM" (local time)`,
  });

export interface WeeklyFreeze {
  readonly kind: "weekly";
  /** Days the window starts on. */
  readonly days: readonly Day[];
  readonly start: string;
  readonly end: string;
  readonly timezone: string;
  readonly reason: string;
}
export interface DateRangeFreeze {
  readonly kind: "dates";
  readonly from: string;
  /** Inclusive: a date alone means up to the end of that day. */
  readonly to: string;
  readonly timezone: string;
  readonly reason: string;
}
export type FreezeWindow = WeeklyFreeze | DateRangeFreeze;

/** The moment after a range's end: `to` alone is inclusive of that whole day. */
export function rangeEnd(to: string): { year: number; month: number; day: number; minute: number } {
  const d = parseLocalDate(to);
  // The schema accepts only dates parseLocalDate reads, so this is a caller's bug, not input.
  if (!d) throw new SentinelError("E_POLICY_DATE", `not a date: ${to}; write YYYY-MM-DD or YYYY-MM-DDTHH:MM`);
  return d.minute === null ? { year: d.year, month: d.month, day: d.day, minute: 24 * 60 } : { ...d, minute: d.minute };
}

const freezeWindowSchema = strictObject({
  days: z
    .array(
      z.enum(DAYS, {
        error: (iss) => `${JSON.stringify(iss.input)} is not a day; use mon, tue, wed, thu, fri, sat or sun`,
      }),
    )
    .min(1, "list at least one day, or leave days out for every day")
    .optional()
    .describe("Weekly window: the days it starts on (mon..sun); every day when left out."),
  start: clock(false).optional().describe('Weekly window: local start time "HH:MM" (default "00:00").'),
  end: clock(true)
    .optional()
    .describe(
      'Weekly window: local end time "HH:MM", exclusive (default "24:00"); an end before the start runs past midnight into the next day.',
    ),
  from: localDate
    .optional()
    .describe('Date range: first day "YYYY-MM-DD" (from its midnight) or a local time "YYYY-MM-DDTHH:MM".'),
  to: localDate
    .optional()
    .describe(
      'Date range: last day "YYYY-MM-DD", inclusive (to its end), or a local time "YYYY-MM-DDTHH:MM" (exclusive).',
    ),
  timezone: timeZoneSchema,
  reason: z.string().max(200).default("").describe("Shown to maintainers while the freeze blocks a fix."),
})
  .superRefine((w, ctx) => {
    const weekly = w.days !== undefined || w.start !== undefined || w.end !== undefined;
    const dated = w.from !== undefined || w.to !== undefined;
    if (weekly && dated) {
      ctx.addIssue({
        code: "custom",
        message:
          "a freeze window is either weekly (days/start/end) or a date range (from/to), not both; split it into two windows",
      });
    } else if (!weekly && !dated) {
      ctx.addIssue({
        code: "custom",
        message: "a freeze window needs days/start/end (weekly) or from/to (a date range)",
      });
    } else if (weekly) {
      const start = parseClock(w.start ?? "00:00");
      const end = parseClock(w.end ?? "24:00", true);
      if (start !== null && end !== null && start === end)
        ctx.addIssue({
          code: "custom",
          path: ["end"],
          message: 'start and end are the same time; for whole days use start "00:00" and end "24:00"',
        });
    } else if (w.from === undefined || w.to === undefined) {
      ctx.addIssue({
        code: "custom",
        path: [w.from === undefined ? "from" : "to"],
        message: "a date range needs both from and to",
      });
    } else {
      const from = parseLocalDate(w.from);
      if (from && parseLocalDate(w.to)) {
        const start = Date.UTC(from.year, from.month - 1, from.day) + (from.minute ?? 0) * 60_000;
        const e = rangeEnd(w.to);
        if (start >= Date.UTC(e.year, e.month - 1, e.day) + e.minute * 60_000)
          ctx.addIssue({
            code: "custom",
            path: ["to"],
            message: `the range ends (${w.to}) before it starts (${w.from}); from must come before to`,
          });
      }
    }
  })
  .transform((w): FreezeWindow =>
    w.from !== undefined && w.to !== undefined
      ? { kind: "dates", from: w.from, to: w.to, timezone: w.timezone, reason: w.reason }
      : {
          kind: "weekly",
          days: w.days ?? [...DAYS],
          start: w.start ?? "00:00",
          end: w.end ?? "24:00",
          timezone: w.timezone,
          reason: w.reason,
        },
  )
  .describe("A change-freeze window: weekly (days, start, end) or a date range (from, to), read in its time zone.");

const approvalRuleSchema = strictObject({
  tiers: z
    .array(tierSchema)
    .min(1, "list at least one tier, or leave tiers out to match any")
    .optional()
    .describe("Matches when the agent's tier is one of these (T0..T3)."),
  categories: z
    .array(z.string().min(1).max(64))
    .min(1, "list at least one category, or leave categories out to match any")
    .optional()
    .describe(
      "Matches when the diagnosis category is one of these (lint, format, typecheck, test, build, dependency, security, ...).",
    ),
  paths: z
    .array(glob)
    .min(1, "list at least one glob, or leave paths out to match any")
    .optional()
    .describe("Matches when any blamed or changed file matches any of these globs (`*` matches across folders)."),
  fromFork: z.boolean().optional().describe("true: matches fork pull requests only; false: same-repository ones only."),
  reason: z.string().max(200).optional().describe("Shown to maintainers when this rule asks for approval."),
}).describe("Requires approval when every field it gives matches; {} matches every fix.");

const login = z
  .string()
  .regex(/^@?[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, { error: (iss) => `${JSON.stringify(iss.input)} is not a forge login` })
  .transform((s) => s.replace(/^@/, ""));
const team = z
  .string()
  .regex(/^@?[A-Za-z0-9][\w.-]*(\/[\w.-]+)+$/, {
    error: (iss) => `${JSON.stringify(iss.input)} is not a team; write "org/team-slug"`,
  })
  .transform((s) => s.replace(/^@/, ""));
const slackUser = z.string().regex(/^[UW][A-Z0-9]{2,30}$/, {
  error: (iss) => `${JSON.stringify(iss.input)} is not a Slack user id (like U012AB3CD; names change, ids do not)`,
});

const maxDuration = (what: string, positive: boolean) =>
  durationSchema.refine((ms) => (positive ? ms > 0 : ms >= 0) && ms <= MAX_DURATION_MS, {
    error: `${what} must be ${positive ? "longer than 0" : "0 or more"}`,
  });

/** The `policy:` block of `.github/sentinel.yml`: what Sentinel may do in a repository. */
export const policySchema = strictObject({
  minConfidence: z
    .number({ error: "minConfidence must be a number from 0 to 1" })
    .min(0, { error: "minConfidence must be a number from 0 to 1" })
    .max(1, { error: "minConfidence must be a number from 0 to 1" })
    .default(0.6)
    .describe("Diagnoses less confident than this (0..1) are reported, not fixed."),
  blastRadius: strictObject({
    maxFiles: count(1, 10_000, "blastRadius.maxFiles")
      .default(20)
      .describe("A fix may change at most this many files."),
    maxLines: count(1, 1_000_000, "blastRadius.maxLines")
      .default(400)
      .describe("A fix may change at most this many lines (added plus deleted)."),
    forbiddenPaths: globs(
      "Globs no fix may touch, added to the always-forbidden .github/workflows/*, .gitlab-ci.yml, .github/sentinel.yml, .gitlab/sentinel.yml, *.pem, *.key, .env* (`*` matches across folders).",
    ),
  })
    .prefault({})
    .describe("How much a fix may change at tiers T0..T2."),
  cooldown: strictObject({
    perFingerprint: maxDuration("cooldown.perFingerprint", false)
      .prefault("6h")
      .describe(
        'Wait this long after a fix attempt before another for the same failure ("30m", "6h", seconds; 0 = off).',
      ),
    perRepo: maxDuration("cooldown.perRepo", false)
      .prefault(0)
      .describe("Wait this long after any fix attempt in the repository (0 = off)."),
  })
    .prefault({})
    .describe("Time between fix attempts; a maintainer's /sentinel fix skips it."),
  rateLimit: strictObject({
    perHour: count(1, 1000, "rateLimit.perHour")
      .default(5)
      .describe("At most this many fix pull requests opened in any 60 minutes (sliding window)."),
    concurrentOpen: count(1, 1000, "rateLimit.concurrentOpen")
      .default(3)
      .describe("At most this many of Sentinel's fix pull requests open at once."),
  })
    .prefault({})
    .describe("How many fix pull requests Sentinel opens; to stop writing altogether use mode: diagnose or shadow."),
  freeze: z
    .array(freezeWindowSchema)
    .max(50)
    .default([])
    .describe("Change-freeze windows; while one is active nothing is written (shadow runs still happen)."),
  approval: strictObject({
    require: z
      .array(approvalRuleSchema)
      .max(50)
      .default([])
      .describe("A fix waits for a human approval when any of these rules matches."),
    approvers: strictObject({
      permission: approverPermissionSchema
        .default("maintain")
        .describe(
          "Anyone with at least this repository permission may approve (read, triage, write, maintain, admin).",
        ),
      users: z.array(login).max(200).default([]).describe("Forge logins who may approve whatever their permission."),
      teams: z.array(team).max(200).default([]).describe('Teams ("org/team-slug") whose members may approve.'),
      slackUsers: z.array(slackUser).max(200).default([]).describe("Slack user ids who may approve from Slack."),
    })
      .prefault({})
      .describe("Who may approve."),
    modelWritten: z
      .boolean()
      .default(true)
      .describe(
        "A fix a model wrote (the llm-patch agent) waits, once verified and before anything is written, for a human approval whatever the rules above say; false leaves model fixes to those rules alone.",
      ),
    expiresAfter: maxDuration("approval.expiresAfter", true)
      .prefault("72h")
      .describe('An approval not acted on within this long lapses ("72h", "3d").'),
  })
    .prefault({})
    .describe("Fixes that need a human yes first."),
  forks: z
    .enum(["diagnose", "approve"], { error: "forks is diagnose or approve" })
    .default("diagnose")
    .describe("diagnose: fork pull requests are diagnosed only; approve: fixed once a maintainer approves the run."),
  errorBudget: strictObject({
    maxErrors: count(0, 100, "errorBudget.maxErrors")
      .default(3)
      .describe("A fix run stops after more than this many errors."),
    maxSameError: count(0, 100, "errorBudget.maxSameError")
      .default(2)
      .describe("A fix run stops when the same error repeats more than this many times."),
    maxViolations: count(1, 100, "errorBudget.maxViolations")
      .default(1)
      .describe("A fix run stops at this many procedure violations."),
  })
    .prefault({})
    .describe("When a fix run gives up."),
  tiers: strictObject({
    start: tierSchema
      .prefault("T1")
      .describe("Tier of an agent new to this repository: T0 observe (shadow only), T1 propose, T2 push, T3 wide."),
    max: tierSchema.prefault("T2").describe("Agents are never promoted above this tier."),
    promoteAfter: count(0, 1000, "tiers.promoteAfter")
      .default(3)
      .describe("Promote an agent one tier after this many consecutive clean runs (0 = never)."),
  })
    .prefault({})
    .superRefine((t, ctx) => {
      if (t.start > t.max)
        ctx.addIssue({
          code: "custom",
          path: ["start"],
          message: `tiers.start (${tierLabel(t.start)}) is above tiers.max (${tierLabel(t.max)}); raise max or lower start`,
        });
    })
    .describe("Trust levels of agents in this repository."),
  wideScope: strictObject({
    maxFiles: count(1, 10_000, "wideScope.maxFiles")
      .default(50)
      .describe("T3 may change this many files (never fewer than blastRadius.maxFiles)."),
    maxLines: count(1, 1_000_000, "wideScope.maxLines")
      .default(1500)
      .describe("T3 may change this many lines (never fewer than blastRadius.maxLines)."),
    allowPaths: globs(
      "blastRadius.forbiddenPaths entries T3 may touch (write the same glob or a wider one); the always-forbidden paths stay forbidden.",
    ),
  })
    .prefault({})
    .describe("What T3 may do beyond blastRadius."),
  rerun: strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe("Re-run failed jobs of flaky, infra and timeout failures through the forge."),
    maxPerCommit: count(1, 10, "rerun.maxPerCommit").default(1).describe("At most this many re-runs per commit."),
    maxFailedJobs: count(1, 100, "rerun.maxFailedJobs")
      .default(2)
      .describe("Re-run only when at most this many jobs failed on the commit (more looks like a real breakage)."),
  })
    .prefault({})
    .describe("Re-running instead of fixing."),
  flaky: strictObject({
    trackingIssueAfter: count(0, 1000, "flaky.trackingIssueAfter")
      .default(3)
      .describe("After this many flaky occurrences of one failure, open or update one tracking issue (0 = never)."),
  })
    .prefault({})
    .describe("Flaky failures."),
  loop: strictObject({
    maxAttemptsPerCommit: count(1, 20, "loop.maxAttemptsPerCommit")
      .default(2)
      .describe("At most this many fix runs for one commit."),
    maxAttemptsPerFingerprint: count(1, 100, "loop.maxAttemptsPerFingerprint")
      .default(5)
      .describe(
        "At most this many fix runs for one failure in this repository (a maintainer's /sentinel fix skips this cap).",
      ),
  })
    .prefault({})
    .describe("Loop protection."),
}).describe("What Sentinel may do in this repository.");

export type Policy = z.infer<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;

export const DEFAULT_POLICY: Policy = policySchema.parse({});
