import { blastRadiusFor, decideFix, type Mode, type Policy } from "../policy/index.js";
import type { FixGate } from "./fix-types.js";
import type { TierState, Trust } from "./trust.js";

/** What a local run's gate decides from: the repository's own policy and its agents' tiers here. */
export interface LocalGateFacts {
  readonly trust: Trust;
  readonly policy: Policy;
  readonly mode: Mode;
  readonly fixCategories: Parameters<typeof decideFix>[1]["categories"];
  /** The repository as the local forge names it (its path). */
  readonly repo: string;
}

/**
 * The repository's policy as `sentinel fix` applies it. The person at the terminal asked for
 * this one fix, as a maintainer's `/sentinel fix` does: that is the run's opt-in and its approval,
 * and it skips the cooldown and the per-fingerprint cap. Everything else holds as in the service:
 * `fix.categories`, `policy.minConfidence`, freezes, the agent's tier (a T0 agent only shadows),
 * revocations, and the blast radius of its tier.
 */
export function localGate(f: LocalGateFacts): { gate: FixGate; tierAtGate: () => TierState | null } {
  let tierAtGate: TierState | null = null;
  const gate: FixGate = async (input) => {
    const tier = await f.trust.tierOf("local", f.repo, input.agentId, f.policy);
    tierAtGate = tier;
    const decision = decideFix(f.policy, {
      now: new Date(),
      mode: f.mode,
      tier,
      agentId: input.agentId,
      category: input.diagnosis.category,
      confidence: input.confidence,
      flaky: false,
      paths: input.paths,
      fromFork: false,
      approved: true,
      paused: false,
      ignored: false,
      ownCommit: false,
      humanPushedOverFix: input.humanOnFixBranch,
      attemptsOnCommit: 0,
      attemptsOnFingerprint: 0,
      last: { fingerprint: null, repo: null },
      prsOpenedAt: [],
      openPrs: 0,
      // A local run writes a branch next to the user's own; it never commits onto one.
      canPush: false,
      manual: true,
      categories: f.fixCategories,
    });
    if (decision.verdict !== "allow") return decision;
    return {
      verdict: "allow",
      action: decision.action === "push" ? "propose" : decision.action,
      notes: decision.notes,
      blastRadius: blastRadiusFor(f.policy, tier === "revoked" ? 0 : tier),
    };
  };
  return { gate, tierAtGate: () => tierAtGate };
}
