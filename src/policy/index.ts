// The policy engine: pure decisions over the `policy:` block, no I/O, the clock passed in.
export { parseDuration, formatDuration, durationSchema, MAX_DURATION_MS } from "./duration.js";
export { type Mode, modeSchema, type Tier, TIER_NAMES, parseTier, tierSchema, tierLabel } from "./tier.js";
export { type Permission, atLeast, approverPermissionSchema } from "./permission.js";
export {
  policySchema,
  type Policy,
  type PolicyInput,
  DEFAULT_POLICY,
  DAYS,
  type Day,
  type FreezeWindow,
  type WeeklyFreeze,
  type DateRangeFreeze,
} from "./policy-schema.js";
export {
  notifySchema,
  type NotifyConfig,
  type NotifyEvent,
  NOTIFY_EVENTS,
  DEFAULT_NOTIFY,
  slackChannelFor,
} from "./notify.js";
export { activeFreeze, freezeMessage } from "./freeze.js";
export { rateLimitViolation } from "./rate-limit.js";
export { cooldownViolation } from "./cooldown.js";
export { approvalRule, mayApprove } from "./approval.js";
export { blastRadiusFor, ALWAYS_FORBIDDEN_PATHS } from "./blast-radius.js";
export { promotionDue } from "./promotion.js";
export { decideFix, decideFork, type FixFacts, type FixDecision } from "./decide-fix.js";
export { decideRerun, type RerunFacts, type RerunDecision } from "./decide-rerun.js";
export { isTimeZone, toInstant, formatLocal } from "./zoned-time.js";
