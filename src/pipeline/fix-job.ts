import type { Logger } from "pino";
import { effectiveMode, loadRepoConfig, type LoadedRepoConfig } from "../config/index.js";
import { SentinelError, UnrecoverableError } from "../core/index.js";
import { forgeAdapter, type ForgeClient } from "../forge/index.js";
import { withCause } from "../ledger/index.js";
import type { Metrics } from "../metrics/index.js";
import type { ChatNotifier } from "../notify/index.js";
import type { Diagnosis } from "../sentinel/index.js";
import { type Forge, type Store, type StoredFailure } from "../store/index.js";
import { isSafeBranchName } from "../workspace/index.js";
import { afterRun } from "./after-run.js";
import type { FixEnvironment } from "./fix-environment.js";
import type { FixForge } from "../forge/index.js";
import { DEFAULT_LEASE_TTL_MS, type FixDeps, type FixOutcome } from "./fix-types.js";
import { policyGate, readPermits } from "./policy-gate.js";
import { installationKey, withModelAgent } from "./model-agent.js";
import { repoAgents } from "./repo-agents.js";
import { commandFromStep, runFix } from "./run-fix.js";
import { Trust } from "./trust.js";

type RepoTarget = { forge: Forge; repo: string; repoId: string; installationId: string | null };

/** What the fix job is given: a queue worker's deps have this shape (and more). */
export interface FixJobDeps {
  readonly store: Store;
  readonly forges: {
    client(target: RepoTarget): Promise<ForgeClient>;
    fixer(target: RepoTarget): Promise<FixForge>;
  };
  readonly logger: Logger;
  readonly fixing?: FixEnvironment;
  readonly chat?: ChatNotifier;
  readonly metrics?: Metrics;
}

/** Records the failure's decision: a verdict, the rule behind it, why, and the run when there is one. */
type Decide = (verdict: string, rule: string | null, message: string, runId?: string | null) => Promise<unknown>;

/**
 * The fix job for a diagnosed failure: the repository's policy (read from its default branch
 * now, not when the job was queued) decides through the governed pipeline's gates whether and how
 * far the run goes; the outcome is recorded as the failure's decision, moves the agent's trust,
 * asks a human when the policy wants one, and updates the sticky comment and Slack.
 */
export async function fixFailure(
  deps: FixJobDeps,
  failureKey: string,
  jobData: unknown = {},
): Promise<FixOutcome | null> {
  const { failure, stored, fixing } = await diagnosedFailure(deps, failureKey);
  const gov = deps.store.gov;
  const runs = deps.store.runs;
  const job = await readPermits(deps.logger, gov, runs, failureKey, jobData);
  if (job.refused) return null;
  const target = {
    forge: failure.forge,
    repo: failure.repo,
    repoId: failure.repoId,
    installationId: failure.installationId ?? null,
  };
  const forge = await deps.forges.client(target);
  const loaded = await loadRepoConfig(forge);
  const decide: Decide = (verdict, rule, message, runId = null) =>
    gov.setDecision({
      failureKey,
      forge: failure.forge,
      repo: failure.repo,
      fingerprint: stored.diagnosis.fingerprint,
      verdict,
      rule,
      message,
      runId,
    });
  const mode = await fixMode(loaded, forge.configPath, job.manual, decide);
  if (mode === null) return null;
  const { config } = loaded;
  const fixer = await deps.forges.fixer(target);
  const trust = new Trust(gov);
  const policy = config.policy;
  const defaultBranch = typeof failure.context.defaultBranch === "string" ? failure.context.defaultBranch : "main";
  const { pr, prInfo, fromFork } = await pullRequestOrigin(forge, failure, deps.logger);
  // The failing command is the one CI itself reported: on GitHub the failed step the jobs API names, never
  // a `Run …` line read from the log, which anything the job printed could have forged; GitLab names no
  // steps, so there it is the runner's `$ <command>` echo in the trace (it only ever runs in the sandbox).
  const failingCommand = await reportedFailingCommand(forge, failure, stored.diagnosis, deps.logger);
  // Push mode commits onto the pull request's own branch, which only exists here for same-repository pull requests.
  // The branch name comes from a webhook: only a plain one is ever handed to git.
  const pushBranch =
    pr && !fromFork && failure.ref && failure.ref !== defaultBranch && isSafeBranchName(failure.ref)
      ? failure.ref
      : null;
  // A fork's branch is not in this repository: an approved fork fix is proposed into the pull request's base.
  const baseBranch = fromFork && pr ? (prInfo?.baseRef ?? defaultBranch) : (failure.ref ?? defaultBranch);
  const { gate, tierAtGate } = policyGate({
    gov,
    runs,
    trust,
    policy,
    mode,
    fixCategories: config.fix.categories,
    failure,
    flaky: stored.flaky,
    defaultBranch,
    fromFork,
    manual: job.manual,
  });

  const outcome = await runFix(
    fixRunDeps(fixing, {
      runs,
      forge: fixer,
      agents: await jobAgents(deps, forge, loaded, failure, fixing),
      rules: loaded.rules,
      logger: deps.logger,
      errorBudget: policy.errorBudget,
      gate,
    }),
    {
      forge: failure.forge,
      repo: failure.repo,
      repoId: failure.repoId,
      sha: failure.sha,
      // The fix is proposed into the branch that failed (a PR's head branch, or the default branch).
      baseBranch,
      diagnosis: stored.diagnosis,
      failingCommand,
      failureKey,
      fromFork,
      prNumber: pr?.number ?? null,
      pushBranch,
      manual: job.manual,
      requestedBy: job.requestedBy,
      resumeRunId: job.resumeRunId,
    },
  );
  if (job.requestId) await gov.spendFixRequest(job.requestId, outcome.runId);
  reportFinished(deps, failureKey, failure, outcome);
  if (job.resumeRunId && outcome.status === "nothing-to-fix" && Object.keys(outcome.phaseMs).length === 0)
    return outcome;

  await decide(verdictOf(outcome), outcome.rule ?? null, outcome.reason, outcome.runId);
  await withCause({ run: outcome.runId }, () =>
    afterRun(deps, { gov, trust, loaded, failure, outcome, tierAtGate: tierAtGate(), forge }),
  );
  return outcome;
}

/** The repository's recipes (from its default branch), and the llm-patch agent last when the deployment and the repository turn it on. */
async function jobAgents(
  deps: FixJobDeps,
  forge: ForgeClient,
  { config }: LoadedRepoConfig,
  failure: StoredFailure,
  fixing: FixEnvironment,
) {
  const recipes = await repoAgents(
    (file) => forge.readFile(file),
    config.fix.recipes,
    config.fix.disable,
    deps.logger,
    forge.repo,
  );
  return withModelAgent(recipes, {
    settings: fixing.llm,
    config: config.llm,
    memory: deps.store.models,
    where: {
      forge: failure.forge,
      repo: failure.repo,
      installation: installationKey(failure.forge, failure.installationId),
    },
    logger: deps.logger,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  });
}

/** The failure, its diagnosis and this worker's fix environment, or why the job cannot run. */
async function diagnosedFailure(deps: FixJobDeps, failureKey: string) {
  const failure = await deps.store.failures.get(failureKey);
  const stored = await deps.store.diagnoses.get(failureKey);
  // Nothing a retry could change: the job is recorded as failed once, not retried.
  if (!failure || !stored)
    throw new UnrecoverableError(
      "E_FIX_NO_DIAGNOSIS",
      `failure ${failureKey} has no diagnosis to fix; a fix job is only queued for a diagnosed failure`,
    );
  // Retried: another worker, started with a fix environment, may take the job.
  if (!deps.fixing)
    throw new SentinelError(
      "E_FIX_NOT_CONFIGURED",
      "this worker is not set up to run fixes: it was started without a fix environment",
    );
  return { failure, stored, fixing: deps.fixing };
}

/** The mode the run goes in; null (the denial recorded) when the config has errors or the mode runs no fixes. */
async function fixMode(
  loaded: LoadedRepoConfig,
  configPath: string,
  manual: boolean,
  decide: Decide,
): Promise<ReturnType<typeof effectiveMode> | null> {
  if (loaded.errors.length > 0) {
    await decide("denied", "config", `${configPath} has errors, so Sentinel runs on safe defaults (diagnose only)`);
    return null;
  }
  let mode = effectiveMode(loaded.config);
  // A maintainer's `/sentinel fix` is the opt-in for that one failure; every other rule still holds.
  if (mode === "diagnose" && manual) mode = "propose";
  if (mode === "diagnose") {
    await decide(
      "denied",
      "mode",
      "mode is diagnose: Sentinel reports failures but runs no fixes (set `mode: propose` to have it open fixes)",
    );
    return null;
  }
  return mode;
}

/**
 * The failure's pull request and whether its code comes from a fork. That is asked of the forge
 * now, not taken from what a webhook said when the failure arrived; when the forge cannot say, the
 * run is treated as a fork's.
 */
async function pullRequestOrigin(forge: ForgeClient, failure: StoredFailure, logger: Logger) {
  const pr = failure.pullRequests[0] ?? null;
  const prInfo = pr
    ? await forge
        .pullRequestInfo(pr.number)
        .catch(
          (error: unknown) => (
            logger.warn(
              { err: error instanceof Error ? error.message : String(error), pr: pr.number },
              "could not read the pull request; its fix is handled as a fork's",
            ),
            null
          ),
        )
    : null;
  const fromFork = failure.fromFork || (pr !== null && (pr.fromFork || prInfo === null || prInfo.fromFork));
  return { pr, prInfo, fromFork };
}

/** What runFix is given: this worker's fix environment around the run's own parts. */
function fixRunDeps(
  fixing: FixEnvironment,
  run: Pick<FixDeps, "runs" | "forge" | "agents" | "rules" | "logger" | "errorBudget" | "gate">,
): FixDeps {
  return {
    runs: run.runs,
    mirrors: fixing.mirrors,
    workRoot: fixing.workRoot,
    forge: run.forge,
    agents: run.agents,
    rules: run.rules,
    sandbox: fixing.sandbox,
    sandboxPolicy: fixing.sandboxPolicy,
    logger: run.logger,
    readOnlyPaths: fixing.toolchains.readOnlyPaths,
    toolEnv: fixing.toolchains.env,
    errorBudget: run.errorBudget,
    gate: run.gate,
    ...(fixing.leases ? { leases: fixing.leases } : {}),
    // A retried job can find its own dead run still holding the lease: wait it out.
    leaseWaitMs: DEFAULT_LEASE_TTL_MS + DEFAULT_LEASE_TTL_MS / 4,
    ...(fixing.live ? { live: fixing.live } : {}),
    ...(fixing.dependencyCacheDir ? { dependencyCacheDir: fixing.dependencyCacheDir } : {}),
    ...(fixing.egress ? { egress: fixing.egress } : {}),
    ...(fixing.limits ? { limits: fixing.limits } : {}),
    ...(fixing.runDeadlineMs ? { runDeadlineMs: fixing.runDeadlineMs } : {}),
    ...(fixing.cgroupRoot ? { cgroupRoot: fixing.cgroupRoot } : {}),
  };
}

/** Logs the finished run and counts it in the metrics. */
function reportFinished(deps: FixJobDeps, failureKey: string, failure: StoredFailure, outcome: FixOutcome): void {
  deps.logger.info(
    {
      failure: failureKey,
      run: outcome.runId,
      repo: failure.repo,
      status: outcome.status,
      rule: outcome.rule,
      reason: outcome.reason,
      pr: outcome.pullRequest?.number,
    },
    "fix run finished",
  );
  countRun(deps.metrics, failure.forge, outcome);
}

function countRun(m: Metrics | undefined, forge: string, outcome: FixOutcome): void {
  if (!m) return;
  m.runs.inc({ outcome: outcome.status });
  for (const [phase, ms] of Object.entries(outcome.phaseMs))
    if (ms !== undefined) m.runPhaseSeconds.observe({ phase }, ms / 1000);
  if (outcome.pullRequest?.created) m.pullRequestsOpened.inc({ forge });
  if (outcome.revoked) m.revocations.inc({ forge });
}

function verdictOf(outcome: FixOutcome): string {
  switch (outcome.status) {
    case "proposed":
    case "pushed":
    case "suggested":
    case "shadow":
      return outcome.status;
    case "waiting-approval":
      return "waiting";
    case "policy":
    case "diagnose-only":
      return "denied";
    default:
      return outcome.status;
  }
}

/**
 * The command that failed in this job: on GitHub the diagnosis's step, when the jobs API reports
 * that step failed (steps are named `Run <command>` after their script); on GitLab the script entry
 * the job's trace shows running when it failed. Null where the forge tells neither (other CIs'
 * checks): the agent's own verify command is used.
 */
async function reportedFailingCommand(
  forge: ForgeClient,
  failure: { readonly jobId?: string | null; readonly sha: string },
  d: Diagnosis,
  logger: Logger,
): Promise<string[] | null> {
  const jobId = failure.jobId ?? null;
  if (!jobId) return null;
  // Without the job's steps or trace the agent's own verify command is used, as where the forge has none.
  const unread = (what: string) => (error: unknown) => {
    logger.warn(
      { job: jobId, err: error instanceof Error ? error.message : String(error) },
      `could not read the job's ${what}; verifying with the agent's own command`,
    );
    return null;
  };
  const adapter = forgeAdapter(forge.forge);
  const fromLog = adapter.failingCommandInLog;
  if (fromLog) {
    const command = await forge.streamJobLog(jobId).then(fromLog).catch(unread("log"));
    if (!command || !adapter.ciConfigPath) return command;
    const config = await forge.readFile(adapter.ciConfigPath, failure.sha).catch(unread(adapter.ciConfigPath));
    const text = command.at(-1);
    if (text && config && isScriptLine(config, text)) return command;
    logger.warn(
      { job: jobId, config: adapter.ciConfigPath },
      `the failing command the log shows is not in ${adapter.ciConfigPath} at the failing commit (a job's output can print a line like the runner's echo); verifying with the agent's own command`,
    );
    return null;
  }
  const step = d.step?.name;
  if (!step || !forge.failedSteps) return null;
  const failed = (await forge.failedSteps(jobId).catch(unread("failed steps"))) ?? [];
  return failed.includes(step) ? commandFromStep(d) : null;
}

/** Whether `command` is one whole script entry of a CI file (`- npx eslint .`, quoted or not). */
function isScriptLine(config: string, command: string): boolean {
  return config.split("\n").some((line) => {
    const entry = line.trim().replace(/^-\s+/, "");
    return entry === command || entry === JSON.stringify(command) || entry === `'${command.replaceAll("'", "''")}'`;
  });
}
