import { globMatch } from "../core/index.js";
import { atLeast, type Permission } from "./permission.js";
import type { Policy } from "./policy-schema.js";
import { tierLabel, type Tier } from "./tier.js";

/**
 * The first `policy.approval.require` rule a fix matches, or null when none asks for approval.
 * A rule matches when every field it gives matches; `{}` matches every fix.
 */
export function approvalRule(
  policy: Policy,
  facts: { tier: Tier; category: string; paths: readonly string[]; fromFork: boolean },
): { rule: string; message: string } | null {
  const rules = policy.approval.require;
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    if (!r) continue;
    if (r.tiers && !r.tiers.includes(facts.tier)) continue;
    if (r.categories && !r.categories.some((c) => c.toLowerCase() === facts.category.toLowerCase())) continue;
    const matched = r.paths ? facts.paths.filter((p) => r.paths?.some((g) => globMatch(g, p))) : [];
    if (r.paths && matched.length === 0) continue;
    if (r.fromFork !== undefined && r.fromFork !== facts.fromFork) continue;
    const rule = `policy.approval.require[${i}]`;
    const why = [
      r.tiers && `tier ${tierLabel(facts.tier)}`,
      r.categories && `category ${facts.category}`,
      r.paths &&
        `touches ${matched.slice(0, 3).join(", ")}${matched.length > 3 ? ` and ${matched.length - 3} more` : ""}`,
      r.fromFork !== undefined && (facts.fromFork ? "from a fork" : "not from a fork"),
    ].filter(Boolean);
    const reason = r.reason ? `${r.reason}: ` : "";
    return {
      rule,
      message: `needs a human approval first (${rule}): ${reason}${why.length ? why.join(", ") : "every fix"}`,
    };
  }
  return null;
}

/**
 * Whether someone may approve: repository permission at least `approvers.permission`, or a listed
 * login, team (`org/slug`, case-insensitive) or Slack user id. Someone known only from Slack has
 * no forge permission, so only `slackUsers` lets them through.
 */
export function mayApprove(
  approvers: Policy["approval"]["approvers"],
  who: {
    permission?: Permission | null;
    login?: string | null;
    teams?: readonly string[];
    slackUserId?: string | null;
  },
): boolean {
  if (who.permission && atLeast(who.permission, approvers.permission)) return true;
  const login = who.login?.replace(/^@/, "").toLowerCase();
  if (login && approvers.users.some((u) => u.toLowerCase() === login)) return true;
  const teams = new Set((who.teams ?? []).map((t) => t.replace(/^@/, "").toLowerCase()));
  if (approvers.teams.some((t) => teams.has(t.toLowerCase()))) return true;
  return !!who.slackUserId && approvers.slackUsers.includes(who.slackUserId);
}
