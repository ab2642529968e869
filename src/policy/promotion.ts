import type { Policy } from "./policy-schema.js";
import type { Tier } from "./tier.js";

/** The tier an agent moves up to after a clean streak, one step at a time and never above `max`; null when none is due. */
export function promotionDue(tiers: Policy["tiers"], tier: Tier, cleanStreak: number): Tier | null {
  if (tiers.promoteAfter === 0 || cleanStreak < tiers.promoteAfter || tier >= tiers.max) return null;
  return (tier + 1) as Tier;
}
