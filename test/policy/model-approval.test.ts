import { describe, expect, it } from "vitest";
import { decideFix, DEFAULT_POLICY, policySchema, type FixFacts } from "../../src/policy/index.js";

function facts(over: Partial<FixFacts> = {}): FixFacts {
  return {
    now: new Date("2026-06-03T10:00:00Z"),
    mode: "propose",
    tier: 1,
    agentId: "llm-patch",
    category: "test",
    confidence: 0.85,
    flaky: false,
    paths: ["src/add.js"],
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
    canPush: false,
    manual: false,
    ...over,
  };
}

describe("a model-written fix at the gate before anything is written", () => {
  it("waits for a human approval by default, naming policy.approval.modelWritten", () => {
    expect(decideFix(DEFAULT_POLICY, facts({ modelWritten: true }))).toEqual({
      verdict: "wait",
      rule: "policy.approval.modelWritten",
      message:
        "a model wrote this fix: it waits for a human approval (policy.approval.modelWritten); the verified patch is in the run's ledger",
    });
  });

  it("is allowed once a human approved the run", () => {
    expect(decideFix(DEFAULT_POLICY, facts({ modelWritten: true, approved: true }))).toMatchObject({
      verdict: "allow",
      action: "propose",
    });
  });

  it("is left to the approval rules when the repository sets policy.approval.modelWritten to false", () => {
    const policy = policySchema.parse({ approval: { modelWritten: false } });
    expect(decideFix(policy, facts({ modelWritten: true }))).toMatchObject({ verdict: "allow", action: "propose" });
    const strict = policySchema.parse({ approval: { modelWritten: false, require: [{ categories: ["test"] }] } });
    expect(decideFix(strict, facts({ modelWritten: true }))).toMatchObject({
      verdict: "wait",
      rule: "policy.approval.require[0]",
    });
  });

  it("is not held for approval in a shadow run, which writes nothing", () => {
    expect(decideFix(DEFAULT_POLICY, facts({ modelWritten: true, tier: 0 }))).toMatchObject({
      verdict: "allow",
      action: "shadow",
    });
  });

  it("does not hold a recipe's fix", () => {
    expect(decideFix(DEFAULT_POLICY, facts({ agentId: "eslint-fix", modelWritten: false }))).toMatchObject({
      verdict: "allow",
    });
  });
});
