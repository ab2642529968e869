import { describe, expect, it } from "vitest";
import { decideRerun, DEFAULT_POLICY, policySchema, type RerunFacts } from "../../src/policy/index.js";

const facts = (over: Partial<RerunFacts> = {}): RerunFacts => ({
  category: "test",
  flaky: true,
  failedJobsOnCommit: 1,
  rerunsOnCommit: 0,
  paused: false,
  ignored: false,
  fromFork: false,
  ...over,
});

describe("decideRerun", () => {
  it("re-runs a flaky failure", () => {
    expect(decideRerun(DEFAULT_POLICY, facts())).toEqual({
      verdict: "rerun",
      message: "re-running the failed job: the failure looks flaky, not a code problem (re-run 1 of 1 on this commit)",
    });
  });

  it.each(["infra", "timeout"])("re-runs a %s failure that is not flaky", (category) => {
    expect(decideRerun(DEFAULT_POLICY, facts({ category, flaky: false })).verdict).toBe("rerun");
  });

  it.each(["oom", "lint", "test"])("does not re-run a %s failure that is not flaky", (category) => {
    expect(decideRerun(DEFAULT_POLICY, facts({ category, flaky: false }))).toEqual({
      verdict: "skip",
      rule: "policy.rerun",
      message: `a ${category} failure is not re-run; only flaky, infra and timeout failures are`,
    });
  });

  it("skips an ignored failure before anything else", () => {
    expect(decideRerun(DEFAULT_POLICY, facts({ ignored: true, paused: true }))).toMatchObject({
      verdict: "skip",
      rule: "ignore",
    });
  });

  it("skips while Sentinel is paused", () => {
    expect(decideRerun(DEFAULT_POLICY, facts({ paused: true }))).toMatchObject({ verdict: "skip", rule: "pause" });
  });

  it("skips when re-running is turned off", () => {
    expect(decideRerun(policySchema.parse({ rerun: { enabled: false } }), facts())).toMatchObject({
      verdict: "skip",
      rule: "policy.rerun.enabled",
    });
  });

  it("skips a fork's job when forks are diagnosed only", () => {
    expect(decideRerun(DEFAULT_POLICY, facts({ fromFork: true }))).toMatchObject({
      verdict: "skip",
      rule: "policy.forks",
    });
  });

  it("re-runs a fork's job when forks may be approved", () => {
    expect(decideRerun(policySchema.parse({ forks: "approve" }), facts({ fromFork: true })).verdict).toBe("rerun");
  });

  it("re-runs when exactly maxFailedJobs jobs failed on the commit", () => {
    expect(decideRerun(DEFAULT_POLICY, facts({ failedJobsOnCommit: 2 })).verdict).toBe("rerun");
  });

  it("skips when more jobs failed on the commit than maxFailedJobs", () => {
    expect(decideRerun(DEFAULT_POLICY, facts({ failedJobsOnCommit: 3 }))).toMatchObject({
      verdict: "skip",
      rule: "policy.rerun.maxFailedJobs",
    });
  });

  it("skips once the commit has had its re-runs", () => {
    expect(decideRerun(DEFAULT_POLICY, facts({ rerunsOnCommit: 1 }))).toEqual({
      verdict: "skip",
      rule: "policy.rerun.maxPerCommit",
      message: "already re-run 1 time(s) on this commit (policy.rerun.maxPerCommit: 1)",
    });
  });

  it("allows more re-runs per commit when maxPerCommit says so", () => {
    expect(decideRerun(policySchema.parse({ rerun: { maxPerCommit: 2 } }), facts({ rerunsOnCommit: 1 })).verdict).toBe(
      "rerun",
    );
  });
});
