import { globMatch } from "../core/index.js";
import { approvalRule } from "./approval.js";
import { cooldownViolation } from "./cooldown.js";
import { activeFreeze, freezeMessage } from "./freeze.js";
import type { Policy } from "./policy-schema.js";
import { rateLimitViolation } from "./rate-limit.js";
import { tierLabel, TIER_NAMES, type Mode, type Tier } from "./tier.js";

export interface FixFacts {
  now: Date;
  /** Effective repository mode. */
  mode: Mode;
  /** This agent's tier in this repository (the start tier when it is new). */
  tier: Tier | "revoked";
  /** Null before an agent is chosen. */
  agentId: string | null;
  /** Diagnosis category: lint, format, typecheck, test, build, dependency, timeout, oom, infra, security, unknown. */
  category: string;
  confidence: number;
  /** Alternating on one commit, or seen on the default branch too. */
  flaky: boolean;
  /** Files the diagnosis blames (before a fix) or the diff's files (before writing it). */
  paths: readonly string[];
  fromFork: boolean;
  /** A human approved this run (or this fork run). */
  approved: boolean;
  /** A maintainer paused Sentinel on this pull request or repository. */
  paused: boolean;
  /** A maintainer ignored this fingerprint. */
  ignored: boolean;
  /** The failing commit is Sentinel's own fix commit. */
  ownCommit: boolean;
  /** A human pushed to Sentinel's fix branch. */
  humanPushedOverFix: boolean;
  /** Earlier fix runs for this commit. */
  attemptsOnCommit: number;
  /** Earlier fix runs for this fingerprint in this repository. */
  attemptsOnFingerprint: number;
  /** Last fix attempt times, for the cooldown. */
  last: { fingerprint: Date | null; repo: Date | null };
  /** When fix pull requests were opened in this repository, for the rate limit. */
  prsOpenedAt: readonly Date[];
  openPrs: number;
  /** The failure is on a same-repository pull request head branch, so pushing to it is possible. */
  canPush: boolean;
  /** Asked for by a maintainer's `/sentinel fix`: skips the cooldown and the per-fingerprint cap, nothing else. */
  manual: boolean;
  /**
   * A model agent wrote the change being decided on (the gate before writing; before a run there
   * is no change yet): `policy.approval.modelWritten` asks a human first.
   */
  modelWritten?: boolean;
  /** `fix.categories`: category -> agent id globs allowed; [] = never fixed; a category not listed = any agent. */
  categories?: Readonly<Record<string, readonly string[]>>;
}

export type FixDecision =
  | { verdict: "allow"; action: "shadow" | "propose" | "push"; notes: string[] }
  | { verdict: "wait"; rule: string; message: string }
  | { verdict: "deny"; rule: string; message: string; retryAt?: Date | null };

type Action = "shadow" | "propose" | "push";

/** Categories whose failures are not in the code, so no code change fixes them. */
const NOT_CODE = new Set(["infra", "timeout", "oom"]);

const deny = (rule: string, message: string, retryAt?: Date | null): FixDecision =>
  retryAt === undefined ? { verdict: "deny", rule, message } : { verdict: "deny", rule, message, retryAt };

/**
 * Whether a fixer may run on a fork's code at all: asked before a single object of the fork's is
 * fetched, and again with everything else at the gate.
 */
export function decideFork(policy: Policy, approved: boolean): FixDecision {
  if (policy.forks === "diagnose")
    return deny(
      "policy.forks",
      "the pull request comes from a fork; forks are diagnosed only (policy.forks: diagnose)",
    );
  if (!approved)
    return {
      verdict: "wait",
      rule: "policy.forks",
      message: "the pull request comes from a fork; a maintainer must approve this run first (policy.forks: approve)",
    };
  return { verdict: "allow", action: "propose", notes: [] };
}

/**
 * The gate before anything is written. Rules run in a fixed order and the first that applies
 * decides; rule names are the config paths (or commands) a maintainer can look up and change.
 */
export function decideFix(policy: Policy, facts: FixFacts): FixDecision {
  if (facts.ignored) return deny("ignore", "a maintainer ignored this failure's fingerprint; Sentinel leaves it alone");
  if (facts.paused) return deny("pause", "Sentinel is paused here; a maintainer's /sentinel resume lets it fix again");
  if (facts.ownCommit) return deny("policy.loop", "Sentinel's own fix commit failed CI; it does not fix its own fixes");
  if (facts.humanPushedOverFix)
    return deny("policy.loop", "a person pushed to Sentinel's fix branch; Sentinel never overwrites their work");
  if (facts.flaky) return deny("flaky", "the failure is flaky: not fixed with code; see rerun (policy.rerun)");
  if (NOT_CODE.has(facts.category))
    return deny("flaky", `a ${facts.category} failure is not fixed with code; see rerun (policy.rerun)`);
  if (facts.mode === "diagnose") return deny("mode", "mode is diagnose: Sentinel reports failures and fixes nothing");
  if (facts.tier === "revoked")
    return deny("tiers", "this agent is revoked in this repo; a maintainer's /sentinel resume restores it");
  if (facts.fromFork) {
    const fork = decideFork(policy, facts.approved);
    if (fork.verdict !== "allow") return fork;
  }

  const allowed =
    facts.categories && Object.hasOwn(facts.categories, facts.category) ? facts.categories[facts.category] : undefined;
  if (allowed) {
    const rule = `fix.categories.${facts.category}`;
    if (allowed.length === 0) return deny(rule, `${facts.category} failures are never fixed here (${rule} is empty)`);
    // Before an agent is chosen only "never" can be decided; the agent is checked once known.
    if (facts.agentId !== null && !allowed.some((g) => globMatch(g, facts.agentId as string))) {
      return deny(
        rule,
        `agent ${facts.agentId} may not fix ${facts.category} failures here (${rule}: ${allowed.join(", ")})`,
      );
    }
  }

  if (facts.confidence < policy.minConfidence) {
    return deny(
      "policy.minConfidence",
      `the diagnosis is ${pct(facts.confidence)} confident, below policy.minConfidence (${pct(policy.minConfidence)})`,
    );
  }
  if (facts.attemptsOnCommit >= policy.loop.maxAttemptsPerCommit) {
    return deny(
      "policy.loop.maxAttemptsPerCommit",
      `${facts.attemptsOnCommit} fix runs already on this commit (policy.loop.maxAttemptsPerCommit: ${policy.loop.maxAttemptsPerCommit})`,
    );
  }
  if (!facts.manual && facts.attemptsOnFingerprint >= policy.loop.maxAttemptsPerFingerprint) {
    return deny(
      "policy.loop.maxAttemptsPerFingerprint",
      `${facts.attemptsOnFingerprint} fix runs already for this failure in this repo (policy.loop.maxAttemptsPerFingerprint: ${policy.loop.maxAttemptsPerFingerprint}); a maintainer's /sentinel fix can still ask for one`,
    );
  }

  const notes: string[] = [];
  let tier: Tier = facts.tier;
  if (tier > policy.tiers.max) {
    notes.push(
      `tier ${tierLabel(tier)} is above policy.tiers.max (${tierLabel(policy.tiers.max)}): acting as ${tierLabel(policy.tiers.max)}`,
    );
    tier = policy.tiers.max;
  }
  const action = actionFor(facts.mode, tier, facts, notes);
  // A shadow run writes nothing, so the gates on writing do not apply to it.
  if (action === "shadow") return { verdict: "allow", action, notes };

  if (!facts.manual) {
    const cool = cooldownViolation(policy.cooldown, facts.last, facts.now);
    if (cool) return deny(cool.rule, cool.message, cool.until);
  } else {
    notes.push("asked for with /sentinel fix: cooldown and the per-fingerprint attempt cap skipped");
  }
  const freeze = activeFreeze(policy.freeze, facts.now);
  if (freeze) return deny(freeze.rule, `${freezeMessage(freeze)}; nothing is written during a freeze`, freeze.until);
  const rate = rateLimitViolation(policy.rateLimit, facts.prsOpenedAt, facts.openPrs, facts.now);
  if (rate) return deny(rate.rule, rate.message, rate.retryAt);
  if (!facts.approved && facts.modelWritten && policy.approval.modelWritten)
    return {
      verdict: "wait",
      rule: "policy.approval.modelWritten",
      message:
        "a model wrote this fix: it waits for a human approval (policy.approval.modelWritten); the verified patch is in the run's ledger",
    };
  if (!facts.approved) {
    const approval = approvalRule(policy, {
      tier,
      category: facts.category,
      paths: facts.paths,
      fromFork: facts.fromFork,
    });
    if (approval) return { verdict: "wait", rule: approval.rule, message: approval.message };
  }
  return { verdict: "allow", action, notes };
}

/** min(mode, tier) with shadow < propose < push; pushing also needs a same-repository branch. */
function actionFor(mode: Exclude<Mode, "diagnose">, tier: Tier, facts: FixFacts, notes: string[]): Action {
  const byTier: Action = tier === 0 ? "shadow" : tier === 1 ? "propose" : "push";
  const rank = { shadow: 0, propose: 1, push: 2 } as const;
  let action: Action = rank[mode] <= rank[byTier] ? mode : byTier;
  if (action !== mode)
    notes.push(
      `${mode} mode but this agent is ${TIER_NAMES[tier]} in this repo: ${action === "shadow" ? "shadow run only" : "proposing a PR instead"}`,
    );
  if (action === "push" && (facts.fromFork || !facts.canPush)) {
    notes.push(
      facts.fromFork
        ? "push mode but the branch is a fork: proposing a PR instead"
        : "push mode but the failure is not on a same-repo pull request branch: proposing a PR instead",
    );
    action = "propose";
  }
  return action;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}
