import { effectiveMode, loadRepoConfig, type LoadedRepoConfig } from "../config/index.js";
import { decideRerun } from "../policy/index.js";
import type { ForgeClient } from "../forge/index.js";
import { globMatch } from "../core/index.js";
import { classifyText, type Diagnosis } from "../sentinel/index.js";
import { classifyJobLog } from "./classify-job-log.js";
import { commandFromStep } from "../pipeline/index.js";
import { withFailingCommand } from "./failing-command-look.js";
import {
  escapeMarkdown,
  headline,
  notify,
  refreshStickyComments,
  renderCommitReport,
  safeUrl,
  withHistory,
} from "../notify/index.js";
import { forgeAdapter, STICKY_MARKER } from "../forge/index.js";
import { safeJobId } from "../queue/index.js";
import { UnrecoverableError } from "../core/index.js";
import { type GovernanceStore, withLease, type StoredFailure } from "../store/index.js";
import type { WorkerDeps } from "./worker-deps.js";

/**
 * The heavy half of ingestion, run by a queue worker: read the failed job's log from the forge
 * (streamed, capped), classify it with the builtin sentinels and the repository's own, store
 * the diagnosis, and tell people (the commit's report, the sticky comment on its pull requests).
 */
export async function diagnoseFailure(deps: WorkerDeps, failureKey: string): Promise<void> {
  const failure = await deps.store.failures.get(failureKey);
  if (!failure)
    throw new UnrecoverableError(
      "E_FAILURE_UNKNOWN",
      `failure ${failureKey} is not in the store: a diagnose job is only queued for a recorded failure`,
    );
  const log = deps.logger.child({ failure: failureKey, repo: failure.repo });
  // A queue that forgot the job id (or a re-read delivery) must not report the same failure twice.
  if (failure.status === "diagnosed" || failure.status === "ignored") {
    log.info({ status: failure.status }, "failure already handled");
    return;
  }
  const forge = await deps.forges.client({
    forge: failure.forge,
    repo: failure.repo,
    repoId: failure.repoId,
    installationId: failure.installationId ?? null,
  });
  const loaded = await loadRepoConfig(forge);
  if (loaded.errors.length > 0)
    log.warn({ errors: loaded.errors }, "repository config has errors; using safe defaults");
  if (loaded.config.ignore.jobs.some((g) => globMatch(g, failure.jobName))) {
    await deps.store.failures.setStatus(failureKey, "ignored");
    log.info({ job: failure.jobName }, "job ignored by the repository's config");
    return;
  }

  if (failure.jobId && forge.confirmFailedJob && failure.context.actions !== false) {
    const refused = await forge.confirmFailedJob(failure.jobId, failure.sha);
    if (refused) {
      await deps.store.failures.setStatus(failureKey, "ignored", refused);
      log.warn({ job: failure.jobId, reason: refused }, "failure ignored: the forge's API does not confirm it");
      return;
    }
  }

  const { failure: withPrs, known } = await resolvePullRequests(deps, forge, failure);
  const diagnosis = await classifyFailure(forge, withPrs, loaded);
  const flaky = await deps.store.failures.isFlaky(failure.forge, failure.repo, failure.sha, failure.jobName);
  await deps.store.diagnoses.save(withPrs, diagnosis, flaky);
  deps.metrics?.diagnoses.inc({ forge: failure.forge, category: diagnosis.category });
  log.info(
    {
      category: diagnosis.category,
      tool: diagnosis.tool,
      fingerprint: diagnosis.fingerprint,
      truncated: diagnosis.stats.truncated,
      flaky,
    },
    "failure diagnosed",
  );

  await publish(deps, forge, withPrs, loaded, known);
  await deps.store.failures.setStatus(failureKey, "diagnosed");
}

/**
 * The events that carry no pull request (workflow_job, GitLab job hooks) get theirs from the API.
 * A secondary lookup that fails degrades the report, it never drops it: without the pull requests
 * the commit's report still goes out, only no pull request gets a comment. `known` is false then.
 */
async function resolvePullRequests(
  deps: WorkerDeps,
  forge: ForgeClient,
  failure: StoredFailure,
): Promise<{ failure: StoredFailure; known: boolean }> {
  if (failure.pullRequests.length > 0) return { failure, known: true };
  const prs = await forge.pullRequestsForCommit(failure.sha).catch((error: unknown) => {
    const why = error instanceof Error ? error.message.split("\n")[0]!.slice(0, 300) : String(error);
    deps.logger.warn(
      { failure: failure.failureKey, sha: failure.sha, err: why },
      "the forge's pull requests for this commit lookup failed; reporting the diagnosis without pull request comments",
    );
    return null;
  });
  if (prs === null) return { failure, known: false };
  if (prs.length === 0) return { failure, known: true };
  const fromFork = prs.some((p) => p.fromFork);
  await deps.store.failures.setPullRequests(failure.failureKey, prs, fromFork);
  return { failure: { ...failure, pullRequests: prs, fromFork }, known: true };
}

async function classifyFailure(
  forge: ForgeClient,
  failure: StoredFailure,
  loaded: LoadedRepoConfig,
): Promise<Diagnosis> {
  const options = {
    source: "log" as const,
    jobName: failure.jobName,
    workspaceRoots: forge.workspaceRoots(),
    maxBytes: loaded.config.logs.maxBytes,
  };
  if (failure.context.actions === false && failure.jobId) {
    return classifyText(await forge.checkOutputText(failure.jobId, failure.context.output), loaded.rules, options);
  }
  const jobId = failure.jobId;
  if (!jobId)
    throw new UnrecoverableError(
      "E_FAILURE_NO_JOB",
      `failure ${failure.failureKey} names no job whose log could be read`,
    );
  const first = await classifyJobLog(forge, jobId, loaded.rules, options);
  return withFailingCommand(first, {
    failingCommand: () => failingCommandOfJob(forge, jobId, first),
    classifyAgain: (command) => classifyJobLog(forge, jobId, loaded.rules, { ...options, command }),
  });
}

/** The command the job was running when it failed: GitHub's `Run …` step, GitLab's `$ …` echo. */
async function failingCommandOfJob(forge: ForgeClient, jobId: string, d: Diagnosis): Promise<string | null> {
  const fromLog = forgeAdapter(forge.forge).failingCommandInLog;
  const argv = fromLog ? await forge.streamJobLog(jobId).then(fromLog) : commandFromStep(d);
  return argv?.at(-1) ?? null;
}

async function publish(
  deps: WorkerDeps,
  forge: ForgeClient,
  failure: StoredFailure,
  loaded: LoadedRepoConfig,
  prsKnown: boolean,
): Promise<void> {
  const { store } = deps;
  if (loaded.config.report.checkRun) {
    // One report per commit: serialised per commit so two failures finishing together do not both create one.
    await withLease(deps, `report:${failure.forge}:${failure.repo}:${failure.sha}`, async () => {
      const onCommit = await withHistory(
        deps,
        await store.diagnoses.onCommit(failure.forge, failure.repo, failure.sha),
      );
      // Annotations are added, not replaced, so a retry after they went out must not add them again.
      const current = await store.failures.get(failure.failureKey);
      const report = renderCommitReport(
        failure.sha,
        onCommit,
        loaded.errors,
        current?.reportedAt ? "" : failure.failureKey,
      );
      const known = await store.pullRequests.commitReport(failure.forge, failure.repo, failure.sha);
      const { id } = await forge.publishReport(report, known);
      await store.pullRequests.setCommitReport(failure.forge, failure.repo, failure.sha, id);
      await store.failures.markReported(failure.failureKey);
    });
  }
  // Whether the code is a fork's is unknown without its pull requests: nothing is run on it.
  if (prsKnown) await actOn(deps, forge, failure, loaded);
  else
    deps.logger.warn(
      { failure: failure.failureKey },
      "no re-run or fix for this failure: its pull requests (and so whether its code is a fork's) are unknown",
    );
  await refreshStickyComments(deps, forge, failure, loaded);
}

const NOT_CODE = new Set(["infra", "timeout", "oom"]);

/**
 * What follows a diagnosis without a human: flaky and infrastructure failures get a budgeted
 * re-run (never a code fix) and, when they keep coming back, one tracking issue; other failures
 * get a fix job when the repository's mode allows one (the job's gates decide the rest).
 */
async function actOn(
  deps: WorkerDeps,
  forge: ForgeClient,
  failure: StoredFailure,
  loaded: LoadedRepoConfig,
): Promise<void> {
  const stored = await deps.store.diagnoses.get(failure.failureKey);
  if (!stored || stored.diagnosis.status !== "failed") return;
  const gov = deps.store.gov;
  const d = stored.diagnosis;
  const decide = (verdict: string, rule: string | null, message: string) =>
    gov.setDecision({
      failureKey: failure.failureKey,
      forge: failure.forge,
      repo: failure.repo,
      fingerprint: d.fingerprint,
      verdict,
      rule,
      message,
      runId: null,
    });
  // A config with errors means safe defaults, diagnose only: no re-runs, no issues, no fixes.
  if (loaded.errors.length > 0) {
    await decide(
      "denied",
      "config",
      `${forge.configPath} has errors, so Sentinel runs on safe defaults (diagnose only)`,
    );
    return;
  }
  const ignored = await gov.isIgnored(failure.forge, failure.repo, d.fingerprint);
  const paused = await gov.isPaused(
    failure.forge,
    failure.repo,
    failure.pullRequests.map((p) => p.number),
  );
  // Failing on the default branch too (another commit), it is not this change's doing.
  const defaultBranch = typeof failure.context.defaultBranch === "string" ? failure.context.defaultBranch : null;
  const preexisting = Boolean(
    defaultBranch &&
    failure.ref &&
    failure.ref !== defaultBranch &&
    (await gov.seenOnBranch(failure.forge, failure.repo, d.fingerprint, defaultBranch, failure.sha)),
  );
  if (stored.flaky || preexisting || NOT_CODE.has(d.category)) {
    await rerunIfAllowed(
      deps,
      gov,
      forge,
      failure,
      loaded,
      { flaky: stored.flaky || preexisting, category: d.category, ignored, paused },
      decide,
    );
    if (stored.flaky) await trackFlake(deps, gov, forge, failure, loaded, d);
    return;
  }
  if (effectiveMode(loaded.config) === "diagnose" || loaded.errors.length > 0 || !deps.fixing) return;
  if (failure.fromFork && loaded.config.policy.forks !== "approve") {
    await decide(
      "denied",
      "policy.forks",
      "the pull request comes from a fork: Sentinel diagnoses it but runs no fixer on its code (policy.forks: diagnose)",
    );
    return;
  }
  await deps.queue.add("fix", { failureKey: failure.failureKey }, { jobId: safeJobId("fix", failure.failureKey) });
}

async function rerunIfAllowed(
  deps: WorkerDeps,
  gov: GovernanceStore,
  forge: ForgeClient,
  failure: StoredFailure,
  loaded: LoadedRepoConfig,
  facts: { flaky: boolean; category: string; ignored: boolean; paused: boolean },
  decide: (verdict: string, rule: string | null, message: string) => Promise<void>,
): Promise<void> {
  // Other CIs' check runs have no re-run API Sentinel can call.
  if (!failure.jobId || failure.context.actions === false) return;
  await withLease(deps, `rerun:${failure.forge}:${failure.repo}:${failure.sha}`, async () => {
    // A re-run's new attempt is a failure row of its own; the policy counts jobs, not attempts.
    const failedJobs = new Set(
      (await deps.store.failures.onCommit(failure.forge, failure.repo, failure.sha)).map((f) => f.jobName),
    ).size;
    const rerunsOnCommit = await gov.rerunsOnCommit(failure.forge, failure.repo, failure.sha);
    const verdict = decideRerun(loaded.config.policy, {
      ...facts,
      failedJobsOnCommit: failedJobs,
      rerunsOnCommit,
      fromFork: failure.fromFork,
    });
    if (verdict.verdict === "skip") {
      await decide("denied", verdict.rule, verdict.message);
      return;
    }
    // Re-running needs more than reading: a client whose token may write Actions.
    const actor = await deps.forges.client(
      {
        forge: failure.forge,
        repo: failure.repo,
        repoId: failure.repoId,
        installationId: failure.installationId ?? null,
      },
      "rerun",
    );
    try {
      await actor.rerunJob(failure.jobId as string);
    } catch (error) {
      // The forge may refuse (too old, already running, no permission): the diagnosis stands, and people are told why.
      const why = error instanceof Error ? error.message.split("\n")[0]!.slice(0, 300) : String(error);
      deps.logger.warn({ failure: failure.failureKey, err: why }, "re-run refused by the forge");
      await decide("denied", "forge", `the forge refused to re-run the job: ${why}`);
      return;
    }
    await gov.recordRerun({
      forge: failure.forge,
      repo: failure.repo,
      sha: failure.sha,
      jobId: failure.jobId as string,
      failureKey: failure.failureKey,
      requestedBy: "sentinel",
    });
    await deps.store.runs.record(null, "rerun", {
      forge: failure.forge,
      repo: failure.repo,
      sha: failure.sha,
      jobId: failure.jobId,
      failureKey: failure.failureKey,
      reason: verdict.message,
    });
    await decide("rerun", null, verdict.message);
    await notify(deps, loaded, "rerun", failure.repo, `Sentinel re-ran ${failure.jobName}`, verdict.message, {
      url: failure.jobUrl,
    });
  });
}

/** After repeated flakes of one fingerprint, one tracking issue, kept up to date. */
async function trackFlake(
  deps: WorkerDeps,
  gov: GovernanceStore,
  forge: ForgeClient,
  failure: StoredFailure,
  loaded: LoadedRepoConfig,
  d: Diagnosis,
): Promise<void> {
  const after = loaded.config.policy.flaky.trackingIssueAfter;
  if (after <= 0) return;
  const count = await gov.flakyCount(failure.forge, failure.repo, d.fingerprint);
  if (count < after) return;
  await withLease(deps, `tracking:${failure.forge}:${failure.repo}:${d.fingerprint}`, async () => {
    const known = await gov.getTrackingIssue(failure.forge, failure.repo, d.fingerprint);
    const issue = await forge.upsertIssue(known?.number ?? null, {
      title: `Flaky: ${failure.jobName.slice(0, 100)} (${headline(d).slice(0, 120)})`,
      body: renderTrackingIssue(failure, d, count),
      labels: ["flaky", "sentinel"],
    });
    await gov.setTrackingIssue(failure.forge, failure.repo, d.fingerprint, issue);
  });
}

function renderTrackingIssue(failure: StoredFailure, d: Diagnosis, count: number): string {
  const url = safeUrl(failure.jobUrl);
  return [
    `Sentinel has seen this failure pass and fail on the same commit **${count} times**: it is flaky, not broken by a change.`,
    "",
    `- Job: ${url ? `[${escapeMarkdown(failure.jobName)}](${url})` : escapeMarkdown(failure.jobName)}`,
    `- Diagnosis: ${escapeMarkdown(headline(d))}`,
    `- Fingerprint: \`${d.fingerprint}\``,
    `- Last seen: ${failure.sha.slice(0, 7)}`,
    "",
    "Sentinel re-runs it within the policy's budget (`policy.rerun`) and never tries to fix it with code. Close this issue once the cause is fixed.",
    "",
    STICKY_MARKER.replace("sticky", `tracking:${d.fingerprint}`),
  ].join("\n");
}
