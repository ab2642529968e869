import { describe, expect, it } from "vitest";
import {
  ALWAYS_FORBIDDEN_PATHS,
  approvalRule,
  blastRadiusFor,
  DEFAULT_POLICY,
  mayApprove,
  policySchema,
  promotionDue,
  type Tier,
} from "../../src/policy/index.js";

describe("blastRadiusFor", () => {
  const policy = policySchema.parse({
    blastRadius: { maxFiles: 10, maxLines: 200, forbiddenPaths: ["infra/*", "db/migrations/*", ".env*"] },
    wideScope: { maxFiles: 40, maxLines: 1000, allowPaths: ["infra/*", ".github/workflows/*", "*"] },
  });

  it.each([0, 1, 2] as const)("gives tier %d the blast radius plus the always-forbidden paths", (tier) => {
    expect(blastRadiusFor(policy, tier)).toEqual({
      maxFiles: 10,
      maxLines: 200,
      forbiddenPaths: [...ALWAYS_FORBIDDEN_PATHS, "infra/*", "db/migrations/*"],
    });
  });

  it("gives T3 the wide scope and lifts the user's forbidden paths its allowPaths cover", () => {
    expect(blastRadiusFor(policy, 3)).toEqual({
      maxFiles: 40,
      maxLines: 1000,
      forbiddenPaths: [...ALWAYS_FORBIDDEN_PATHS],
    });
  });

  it("never lifts an always-forbidden path, even for an allowPaths of *", () => {
    expect(blastRadiusFor(policy, 3).forbiddenPaths).toEqual(
      expect.arrayContaining([".github/workflows/*", ".github/sentinel.yml", ".env*", "*.pem"]),
    );
  });

  it("lifts only the forbidden globs an allowPaths glob matches", () => {
    const p = policySchema.parse({
      blastRadius: { forbiddenPaths: ["infra/*", "db/*"] },
      wideScope: { allowPaths: ["infra/*"] },
    });
    expect(blastRadiusFor(p, 3).forbiddenPaths).toEqual([...ALWAYS_FORBIDDEN_PATHS, "db/*"]);
  });

  it("never makes T3 narrower than the blast radius", () => {
    const p = policySchema.parse({
      blastRadius: { maxFiles: 80, maxLines: 100 },
      wideScope: { maxFiles: 50, maxLines: 1500 },
    });
    expect(blastRadiusFor(p, 3)).toMatchObject({ maxFiles: 80, maxLines: 1500 });
  });

  it("starts from the defaults of 20 files and 400 lines", () => {
    expect(blastRadiusFor(DEFAULT_POLICY, 1)).toEqual({
      maxFiles: 20,
      maxLines: 400,
      forbiddenPaths: [...ALWAYS_FORBIDDEN_PATHS],
    });
  });
});

describe("approvalRule", () => {
  const policy = policySchema.parse({
    approval: {
      require: [
        { tiers: ["T1"], categories: ["dependency"], paths: ["package.json", "*.lock"], reason: "dependency changes" },
        { tiers: ["T3"] },
        { fromFork: true },
      ],
    },
  });
  const facts = { tier: 1 as Tier, category: "dependency", paths: ["packages/web/yarn.lock"], fromFork: false };

  it("matches a rule when every field it gives matches", () => {
    expect(approvalRule(policy, facts)).toEqual({
      rule: "policy.approval.require[0]",
      message:
        "needs a human approval first (policy.approval.require[0]): dependency changes: tier T1, category dependency, touches packages/web/yarn.lock",
    });
  });

  it("does not match when one of the fields does not", () => {
    expect(approvalRule(policy, { ...facts, tier: 2 })).toBeNull();
    expect(approvalRule(policy, { ...facts, category: "lint" })).toBeNull();
    expect(approvalRule(policy, { ...facts, paths: ["src/index.ts"] })).toBeNull();
  });

  it("matches the paths when any path matches any glob", () => {
    expect(approvalRule(policy, { ...facts, paths: ["src/a.ts", "package.json"] })?.rule).toBe(
      "policy.approval.require[0]",
    );
  });

  it("does not match a paths rule when there are no paths", () => {
    expect(approvalRule(policy, { ...facts, paths: [] })).toBeNull();
  });

  it("matches a rule that gives only tiers on the tier alone", () => {
    expect(approvalRule(policy, { ...facts, tier: 3, category: "lint", paths: [] })?.rule).toBe(
      "policy.approval.require[1]",
    );
  });

  it("matches a fromFork rule on fork pull requests only", () => {
    expect(approvalRule(policy, { tier: 2, category: "lint", paths: [], fromFork: true })?.rule).toBe(
      "policy.approval.require[2]",
    );
    expect(approvalRule(policy, { tier: 2, category: "lint", paths: [], fromFork: false })).toBeNull();
  });

  it("matches every fix with an empty rule", () => {
    const p = policySchema.parse({ approval: { require: [{}] } });
    expect(approvalRule(p, { tier: 2, category: "format", paths: [], fromFork: false })).toEqual({
      rule: "policy.approval.require[0]",
      message: "needs a human approval first (policy.approval.require[0]): every fix",
    });
  });

  it("asks for nothing by default", () => {
    expect(approvalRule(DEFAULT_POLICY, facts)).toBeNull();
  });
});

describe("mayApprove", () => {
  const approvers = policySchema.parse({
    approval: {
      approvers: { permission: "maintain", users: ["@Alice"], teams: ["Acme/Release"], slackUsers: ["U012AB3CD"] },
    },
  }).approval.approvers;

  it("lets someone with at least the configured permission approve", () => {
    expect(mayApprove(approvers, { permission: "maintain" })).toBe(true);
    expect(mayApprove(approvers, { permission: "admin" })).toBe(true);
  });

  it("does not let someone with less permission approve", () => {
    expect(mayApprove(approvers, { permission: "write", login: "bob" })).toBe(false);
  });

  it("lets a listed login approve whatever their permission, ignoring case and @", () => {
    expect(mayApprove(approvers, { permission: "read", login: "ALICE" })).toBe(true);
    expect(mayApprove(approvers, { login: "@alice" })).toBe(true);
  });

  it("lets a member of a listed team approve, ignoring case", () => {
    expect(mayApprove(approvers, { permission: "write", teams: ["acme/docs", "acme/release"] })).toBe(true);
  });

  it("lets a listed Slack user approve without any forge permission", () => {
    expect(mayApprove(approvers, { slackUserId: "U012AB3CD" })).toBe(true);
  });

  it("does not let an unlisted Slack user approve", () => {
    expect(mayApprove(approvers, { slackUserId: "U999ZZZZZ", permission: null, login: null })).toBe(false);
  });

  it("does not let someone with no permission approve", () => {
    expect(mayApprove(approvers, { permission: "none", login: "mallory" })).toBe(false);
  });
});

describe("promotionDue", () => {
  const tiers = DEFAULT_POLICY.tiers; // start T1, max T2, after 3

  it("promotes one tier after the clean streak", () => {
    expect(promotionDue(tiers, 1, 3)).toBe(2);
  });

  it("does not promote one run short of the streak", () => {
    expect(promotionDue(tiers, 1, 2)).toBeNull();
  });

  it("does not promote above the maximum tier", () => {
    expect(promotionDue(tiers, 2, 100)).toBeNull();
  });

  it("promotes only one step at a time", () => {
    expect(promotionDue(tiers, 0, 100)).toBe(1);
  });

  it("promotes to T3 only when the maximum is T3", () => {
    expect(promotionDue(policySchema.parse({ tiers: { max: "T3" } }).tiers, 2, 3)).toBe(3);
  });

  it("never promotes when promoteAfter is 0", () => {
    expect(promotionDue(policySchema.parse({ tiers: { promoteAfter: 0 } }).tiers, 1, 50)).toBeNull();
  });
});
