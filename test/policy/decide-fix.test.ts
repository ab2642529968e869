import { describe, expect, it } from "vitest";
import {
  decideFix,
  DEFAULT_POLICY,
  policySchema,
  type FixFacts,
  type Mode,
  type PolicyInput,
  type Tier,
} from "../../src/policy/index.js";

const NOW = new Date("2026-06-03T10:00:00Z"); // a Wednesday
const MIN = 60_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

function facts(over: Partial<FixFacts> = {}): FixFacts {
  return {
    now: NOW,
    mode: "push",
    tier: 2,
    agentId: "eslint-fix",
    category: "lint",
    confidence: 0.9,
    flaky: false,
    paths: ["src/index.ts"],
    fromFork: false,
    approved: false,
    paused: false,
    ignored: false,
    ownCommit: false,
    humanPushedOverFix: false,
    attemptsOnCommit: 0,
    attemptsOnFingerprint: 0,
    last: { fingerprint: null, repo: null },
    prsOpenedAt: [],
    openPrs: 0,
    canPush: true,
    manual: false,
    ...over,
  };
}

const FROZEN_NOW = {
  freeze: [{ from: "2026-06-01", to: "2026-06-07", timezone: "UTC", reason: "release week" }],
} satisfies PolicyInput;
const FULL_HOUR = [50, 40, 30, 20, 10].map((m) => ago(m * MIN));

describe("decideFix allows", () => {
  it("pushes when everything allows it", () => {
    expect(decideFix(DEFAULT_POLICY, facts())).toEqual({ verdict: "allow", action: "push", notes: [] });
  });
});

describe("decideFix checks its rules in order, the first that applies deciding", () => {
  // Every rule fails at first; each step repairs one, so the next rule in the order must decide.
  type State = { policy: PolicyInput; facts: FixFacts };
  const start = (): State => ({
    policy: { ...FROZEN_NOW, approval: { require: [{}] } },
    facts: facts({
      ignored: true,
      paused: true,
      ownCommit: true,
      humanPushedOverFix: true,
      flaky: true,
      mode: "diagnose",
      tier: "revoked",
      fromFork: true,
      categories: { lint: [] },
      confidence: 0.1,
      attemptsOnCommit: 2,
      attemptsOnFingerprint: 5,
      last: { fingerprint: ago(MIN), repo: null },
      prsOpenedAt: FULL_HOUR,
      openPrs: 3,
    }),
  });
  const steps: Array<{ rule: string; verdict: "deny" | "wait"; message?: string; repair: (s: State) => void }> = [
    { rule: "ignore", verdict: "deny", repair: (s) => void (s.facts.ignored = false) },
    { rule: "pause", verdict: "deny", repair: (s) => void (s.facts.paused = false) },
    {
      rule: "policy.loop",
      verdict: "deny",
      message: "Sentinel's own fix commit failed CI; it does not fix its own fixes",
      repair: (s) => void (s.facts.ownCommit = false),
    },
    {
      rule: "policy.loop",
      verdict: "deny",
      message: "a person pushed to Sentinel's fix branch; Sentinel never overwrites their work",
      repair: (s) => void (s.facts.humanPushedOverFix = false),
    },
    {
      rule: "flaky",
      verdict: "deny",
      message: "the failure is flaky: not fixed with code; see rerun (policy.rerun)",
      repair: (s) => void (s.facts.flaky = false),
    },
    { rule: "mode", verdict: "deny", repair: (s) => void (s.facts.mode = "push") },
    {
      rule: "tiers",
      verdict: "deny",
      message: "this agent is revoked in this repo; a maintainer's /sentinel resume restores it",
      repair: (s) => void (s.facts.tier = 2),
    },
    { rule: "policy.forks", verdict: "deny", repair: (s) => void (s.facts.fromFork = false) },
    {
      rule: "fix.categories.lint",
      verdict: "deny",
      message: "lint failures are never fixed here (fix.categories.lint is empty)",
      repair: (s) => void (s.facts.categories = {}),
    },
    {
      rule: "policy.minConfidence",
      verdict: "deny",
      message: "the diagnosis is 10% confident, below policy.minConfidence (60%)",
      repair: (s) => void (s.facts.confidence = 0.9),
    },
    { rule: "policy.loop.maxAttemptsPerCommit", verdict: "deny", repair: (s) => void (s.facts.attemptsOnCommit = 1) },
    {
      rule: "policy.loop.maxAttemptsPerFingerprint",
      verdict: "deny",
      repair: (s) => void (s.facts.attemptsOnFingerprint = 4),
    },
    {
      rule: "policy.cooldown.perFingerprint",
      verdict: "deny",
      repair: (s) => void (s.facts.last = { fingerprint: ago(6 * 60 * MIN), repo: null }),
    },
    {
      rule: "policy.freeze[0]",
      verdict: "deny",
      message:
        'change freeze "release week" (policy.freeze[0]) until 2026-06-08 00:00 UTC; nothing is written during a freeze',
      repair: (s) => void (s.policy.freeze = []),
    },
    { rule: "policy.rateLimit.perHour", verdict: "deny", repair: (s) => void (s.facts.prsOpenedAt = []) },
    { rule: "policy.rateLimit.concurrentOpen", verdict: "deny", repair: (s) => void (s.facts.openPrs = 2) },
    { rule: "policy.approval.require[0]", verdict: "wait", repair: (s) => void (s.facts.approved = true) },
  ];

  steps.forEach((step, i) => {
    const after = i === 0 ? "before anything else" : `once ${steps[i - 1]?.rule} passes`;
    it(`reaches ${step.rule} (${step.verdict}) ${after}`, () => {
      const s = start();
      steps.slice(0, i).forEach((p) => p.repair(s));
      const d = decideFix(policySchema.parse(s.policy), s.facts);
      expect(d).toMatchObject({
        verdict: step.verdict,
        rule: step.rule,
        ...(step.message ? { message: step.message } : {}),
      });
    });
  });

  it("allows once every rule passes", () => {
    const s = start();
    steps.forEach((p) => p.repair(s));
    expect(decideFix(policySchema.parse(s.policy), s.facts)).toEqual({ verdict: "allow", action: "push", notes: [] });
  });
});

describe("decideFix on single rules", () => {
  it.each(["infra", "timeout", "oom"])("does not fix a %s failure with code", (category) => {
    expect(decideFix(DEFAULT_POLICY, facts({ category }))).toEqual({
      verdict: "deny",
      rule: "flaky",
      message: `a ${category} failure is not fixed with code; see rerun (policy.rerun)`,
    });
  });

  it("waits for a maintainer's approval of a fork run when forks is approve", () => {
    const policy = policySchema.parse({ forks: "approve" });
    expect(decideFix(policy, facts({ fromFork: true, canPush: false }))).toMatchObject({
      verdict: "wait",
      rule: "policy.forks",
    });
  });

  it("proposes an approved fork run as a pull request, never pushing to the fork", () => {
    const policy = policySchema.parse({ forks: "approve" });
    expect(decideFix(policy, facts({ fromFork: true, approved: true, canPush: true }))).toEqual({
      verdict: "allow",
      action: "propose",
      notes: ["push mode but the branch is a fork: proposing a PR instead"],
    });
  });

  it("lets an agent matching the category's globs fix it", () => {
    expect(decideFix(DEFAULT_POLICY, facts({ categories: { lint: ["eslint-*"] } })).verdict).toBe("allow");
  });

  it("refuses an agent the category's globs do not name", () => {
    expect(decideFix(DEFAULT_POLICY, facts({ agentId: "prettier-fix", categories: { lint: ["eslint-*"] } }))).toEqual({
      verdict: "deny",
      rule: "fix.categories.lint",
      message: "agent prettier-fix may not fix lint failures here (fix.categories.lint: eslint-*)",
    });
  });

  it("leaves the agent check for later when no agent is chosen yet", () => {
    expect(decideFix(DEFAULT_POLICY, facts({ agentId: null, categories: { lint: ["eslint-*"] } })).verdict).toBe(
      "allow",
    );
  });

  it("lets any agent fix a category fix.categories does not list", () => {
    expect(decideFix(DEFAULT_POLICY, facts({ agentId: "anything", categories: { format: [] } })).verdict).toBe("allow");
  });

  it("fixes a diagnosis exactly at the minimum confidence", () => {
    expect(decideFix(DEFAULT_POLICY, facts({ confidence: 0.6 })).verdict).toBe("allow");
  });

  it("still caps the attempts per commit for a manual /sentinel fix", () => {
    expect(decideFix(DEFAULT_POLICY, facts({ manual: true, attemptsOnCommit: 2 }))).toMatchObject({
      rule: "policy.loop.maxAttemptsPerCommit",
    });
  });

  it("skips the cooldown and the per-fingerprint cap for a manual /sentinel fix", () => {
    const d = decideFix(
      DEFAULT_POLICY,
      facts({ manual: true, attemptsOnFingerprint: 9, last: { fingerprint: ago(MIN), repo: ago(MIN) } }),
    );
    expect(d).toEqual({
      verdict: "allow",
      action: "push",
      notes: ["asked for with /sentinel fix: cooldown and the per-fingerprint attempt cap skipped"],
    });
  });

  it("still honours a freeze for a manual /sentinel fix", () => {
    expect(decideFix(policySchema.parse(FROZEN_NOW), facts({ manual: true }))).toMatchObject({
      verdict: "deny",
      rule: "policy.freeze[0]",
      retryAt: new Date("2026-06-08T00:00:00Z"),
    });
  });

  it("gives the cooldown's end as the retry time", () => {
    expect(decideFix(DEFAULT_POLICY, facts({ last: { fingerprint: ago(60 * MIN), repo: null } }))).toMatchObject({
      rule: "policy.cooldown.perFingerprint",
      retryAt: new Date(NOW.getTime() + 5 * 60 * MIN),
    });
  });

  it("gives the sliding window's retry time for the hourly rate limit", () => {
    expect(decideFix(DEFAULT_POLICY, facts({ prsOpenedAt: FULL_HOUR }))).toMatchObject({
      rule: "policy.rateLimit.perHour",
      retryAt: new Date(NOW.getTime() + 10 * MIN),
    });
  });

  it("does not wait for approval when the run is already approved", () => {
    const policy = policySchema.parse({ approval: { require: [{ categories: ["lint"] }] } });
    expect(decideFix(policy, facts({ approved: true })).verdict).toBe("allow");
  });

  it("matches approval rules against the tier the agent acts at", () => {
    const policy = policySchema.parse({ approval: { require: [{ tiers: ["T2"] }] } });
    expect(decideFix(policy, facts({ tier: 3 }))).toMatchObject({
      verdict: "wait",
      rule: "policy.approval.require[0]",
    });
  });

  it("acts at the maximum tier when the agent's tier is above it, and says so", () => {
    expect(decideFix(DEFAULT_POLICY, facts({ tier: 3 }))).toEqual({
      verdict: "allow",
      action: "push",
      notes: ["tier T3 is above policy.tiers.max (T2): acting as T2"],
    });
  });
});

describe("decideFix's action is the lower of mode and tier", () => {
  const policy = policySchema.parse({ tiers: { max: "T3" } });
  const table: Array<[Exclude<Mode, "diagnose">, Tier, "shadow" | "propose" | "push"]> = [
    ["shadow", 0, "shadow"],
    ["shadow", 1, "shadow"],
    ["shadow", 2, "shadow"],
    ["shadow", 3, "shadow"],
    ["propose", 0, "shadow"],
    ["propose", 1, "propose"],
    ["propose", 2, "propose"],
    ["propose", 3, "propose"],
    ["push", 0, "shadow"],
    ["push", 1, "propose"],
    ["push", 2, "push"],
    ["push", 3, "push"],
  ];
  it.each(table)("gives %s mode at T%d the action %s", (mode, tier, action) => {
    expect(decideFix(policy, facts({ mode, tier }))).toMatchObject({ verdict: "allow", action });
  });

  it("notes when the tier holds the action below the mode", () => {
    expect(decideFix(policy, facts({ mode: "push", tier: 1 }))).toEqual({
      verdict: "allow",
      action: "propose",
      notes: ["push mode but this agent is T1 propose in this repo: proposing a PR instead"],
    });
  });

  it("proposes instead of pushing when the failure is not on a same-repo pull request branch", () => {
    expect(decideFix(policy, facts({ canPush: false }))).toEqual({
      verdict: "allow",
      action: "propose",
      notes: ["push mode but the failure is not on a same-repo pull request branch: proposing a PR instead"],
    });
  });
});

describe("decideFix for a shadow run", () => {
  // Everything that guards writing is against the fix here.
  const policy = policySchema.parse({ ...FROZEN_NOW, approval: { require: [{}] } });
  const blocked = {
    last: { fingerprint: ago(MIN), repo: ago(MIN) },
    prsOpenedAt: FULL_HOUR,
    openPrs: 9,
  } satisfies Partial<FixFacts>;

  it("runs in shadow mode despite cooldown, freeze, rate limit and approval", () => {
    expect(decideFix(policy, facts({ ...blocked, mode: "shadow" }))).toEqual({
      verdict: "allow",
      action: "shadow",
      notes: [],
    });
  });

  it("runs a T0 agent in shadow despite cooldown, freeze, rate limit and approval", () => {
    expect(decideFix(policy, facts({ ...blocked, tier: 0 }))).toEqual({
      verdict: "allow",
      action: "shadow",
      notes: ["push mode but this agent is T0 observe in this repo: shadow run only"],
    });
  });

  it("still applies the rules before the action to a shadow run", () => {
    expect(decideFix(policy, facts({ ...blocked, mode: "shadow", confidence: 0.2 }))).toMatchObject({
      verdict: "deny",
      rule: "policy.minConfidence",
    });
  });

  it("applies the write gates once the same run would write", () => {
    expect(decideFix(policy, facts({ ...blocked, mode: "propose" }))).toMatchObject({
      verdict: "deny",
      rule: "policy.cooldown.perFingerprint",
    });
  });
});
