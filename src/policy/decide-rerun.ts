import type { Policy } from "./policy-schema.js";

export interface RerunFacts {
  category: string;
  flaky: boolean;
  failedJobsOnCommit: number;
  rerunsOnCommit: number;
  paused: boolean;
  ignored: boolean;
  fromFork: boolean;
}

export type RerunDecision = { verdict: "rerun"; message: string } | { verdict: "skip"; rule: string; message: string };

/** Failures a re-run can cure: nothing in the code is wrong. (oom is left out: it fails the same way again.) */
const RERUNNABLE = new Set(["infra", "timeout"]);

/** Whether to re-run a failed job through the forge instead of fixing it. */
export function decideRerun(policy: Policy, facts: RerunFacts): RerunDecision {
  const skip = (rule: string, message: string): RerunDecision => ({ verdict: "skip", rule, message });
  const { rerun } = policy;
  if (facts.ignored) return skip("ignore", "a maintainer ignored this failure");
  if (facts.paused) return skip("pause", "Sentinel is paused here; a maintainer's /sentinel resume lets it act again");
  if (!facts.flaky && !RERUNNABLE.has(facts.category))
    return skip(
      "policy.rerun",
      `a ${facts.category} failure is not re-run; only flaky, infra and timeout failures are`,
    );
  if (!rerun.enabled)
    return skip("policy.rerun.enabled", "re-running failed jobs is off (policy.rerun.enabled: false)");
  // A fork's jobs run code nobody here reviewed; with forks: diagnose Sentinel does nothing to them.
  if (facts.fromFork && policy.forks === "diagnose")
    return skip(
      "policy.forks",
      "the pull request comes from a fork; forks are diagnosed only (policy.forks: diagnose)",
    );
  if (facts.failedJobsOnCommit > rerun.maxFailedJobs) {
    return skip(
      "policy.rerun.maxFailedJobs",
      `${facts.failedJobsOnCommit} jobs failed on this commit, more than policy.rerun.maxFailedJobs (${rerun.maxFailedJobs}); that looks like a real breakage`,
    );
  }
  if (facts.rerunsOnCommit >= rerun.maxPerCommit) {
    return skip(
      "policy.rerun.maxPerCommit",
      `already re-run ${facts.rerunsOnCommit} time(s) on this commit (policy.rerun.maxPerCommit: ${rerun.maxPerCommit})`,
    );
  }
  const what = facts.flaky ? "flaky" : facts.category;
  return {
    verdict: "rerun",
    message: `re-running the failed job: the failure looks ${what}, not a code problem (re-run ${facts.rerunsOnCommit + 1} of ${rerun.maxPerCommit} on this commit)`,
  };
}
