import { LLM_AGENT_ID } from "../agents/index.js";
import { parseTier, promotionDue, TIER_NAMES, type Policy, type Tier } from "../policy/index.js";
import type { Forge, GovernanceStore } from "../store/index.js";

export type TierState = Tier | "revoked";

/**
 * The tier a new agent starts at in a repository, as its policy says; a model agent (llm-patch)
 * starts at T0 whatever it says: its fixes are verified and recorded, never written, until it has
 * earned a promotion (or a maintainer sets its tier).
 */
export function startTier(policy: Policy, agentId?: string): Tier {
  if (agentId === LLM_AGENT_ID) return 0;
  return parseTier(String(policy.tiers.start)) ?? 1;
}

export function tierName(t: TierState): string {
  return t === "revoked" ? "revoked" : TIER_NAMES[t];
}

/**
 * Trust per agent per repository. An agent earns a tier by clean runs in a row (a verified shadow
 * run at T0; a verified fix that was merged above it) and loses it by a reverted fix (one tier
 * down), an exceeded error budget (revoked) or a maintainer's command. Every change is a ledger
 * entry carrying the evidence.
 */
export class Trust {
  constructor(private readonly gov: GovernanceStore) {}

  async tierOf(forge: Forge, repo: string, agentId: string, policy: Policy): Promise<TierState> {
    const row = await this.gov.getTier(forge, repo, agentId);
    if (!row) return startTier(policy, agentId);
    return row.revoked ? "revoked" : clampTier(row.tier);
  }

  /** A clean run: the streak grows, and the agent is promoted when the policy says it is due. */
  async recordClean(
    forge: Forge,
    repo: string,
    agentId: string,
    policy: Policy,
    evidence: Record<string, unknown>,
  ): Promise<{ tier: TierState; promoted: boolean }> {
    const row = await this.gov.getTier(forge, repo, agentId);
    if (row?.revoked) return { tier: "revoked", promoted: false };
    const tier = row ? clampTier(row.tier) : startTier(policy, agentId);
    const streak = (row?.cleanStreak ?? 0) + 1;
    const next = promotionDue(policy.tiers, tier, streak);
    if (next !== null) {
      await this.gov.setTier(
        {
          forge,
          repo,
          agentId,
          tier: next,
          cleanStreak: 0,
          revoked: false,
          reason: `promoted after ${streak} clean runs in a row`,
        },
        { cause: "promotion", streak, ...evidence },
      );
      return { tier: next, promoted: true };
    }
    await this.gov.setTier(
      { forge, repo, agentId, tier, cleanStreak: streak, revoked: false, reason: row?.reason ?? null },
      row ? null : { cause: "first run", ...evidence },
    );
    return { tier, promoted: false };
  }

  /**
   * An agent's run that earns nothing by itself (a local fix, which the user merges or not where
   * Sentinel cannot see): the agent is listed at its tier, at the start tier the first time.
   */
  async register(
    forge: Forge,
    repo: string,
    agentId: string,
    policy: Policy,
    evidence: Record<string, unknown>,
  ): Promise<TierState> {
    const row = await this.gov.getTier(forge, repo, agentId);
    if (row) return row.revoked ? "revoked" : clampTier(row.tier);
    const tier = startTier(policy, agentId);
    await this.gov.setTier(
      { forge, repo, agentId, tier, cleanStreak: 0, revoked: false, reason: null },
      { cause: "first run", ...evidence },
    );
    return tier;
  }

  /** A fix closed without merging: no demotion, but the streak starts again. */
  async resetStreak(forge: Forge, repo: string, agentId: string): Promise<void> {
    const row = await this.gov.getTier(forge, repo, agentId);
    if (!row || row.cleanStreak === 0) return;
    await this.gov.setTier(
      { forge, repo, agentId, tier: clampTier(row.tier), cleanStreak: 0, revoked: row.revoked, reason: row.reason },
      null,
    );
  }

  /** A fix was reverted: one tier down (not below T0) and the streak starts again. */
  async demote(
    forge: Forge,
    repo: string,
    agentId: string,
    policy: Policy,
    reason: string,
    evidence: Record<string, unknown>,
  ): Promise<TierState> {
    const current = await this.tierOf(forge, repo, agentId, policy);
    if (current === "revoked") return current;
    const next = Math.max(0, current - 1) as Tier;
    await this.gov.setTier(
      { forge, repo, agentId, tier: next, cleanStreak: 0, revoked: false, reason },
      { cause: "demotion", ...evidence, ...(next === current ? { note: "already at T0" } : {}) },
    );
    return next;
  }

  /** A maintainer restores a revoked agent: it starts again at T0 and must earn its way back. */
  async restore(forge: Forge, repo: string, agentId: string, by: string): Promise<boolean> {
    const row = await this.gov.getTier(forge, repo, agentId);
    if (!row?.revoked) return false;
    await this.gov.setTier(
      { forge, repo, agentId, tier: 0, cleanStreak: 0, revoked: false, reason: `restored by ${by}` },
      { cause: "maintainer", by },
    );
    return true;
  }

  /** A maintainer sets the tier outright. */
  async set(forge: Forge, repo: string, agentId: string, tier: Tier, by: string): Promise<void> {
    await this.gov.setTier(
      { forge, repo, agentId, tier, cleanStreak: 0, revoked: false, reason: `set by ${by}` },
      { cause: "maintainer", by },
    );
  }
}

function clampTier(n: number): Tier {
  return (n <= 0 ? 0 : n >= 3 ? 3 : n) as Tier;
}
