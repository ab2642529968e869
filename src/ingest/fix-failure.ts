import { z } from "zod";
import { agentsFrom, loadBuiltinRecipes, parseRecipe, type Agent, type Recipe } from "../agents/index.js";
import type { LiveFeed } from "../live/index.js";
import type { Diagnosis } from "../sentinel/index.js";
import type { ForgeClient } from "../forge/forge-client.js";
import { effectiveMode, loadRepoConfig, type LoadedRepoConfig } from "../config/index.js";
import { commandFromStep, DEFAULT_LEASE_TTL_MS, runFix, Trust, type FixGate, type FixOutcome, type Leases, type TierState } from "../pipeline/index.js";
import { blastRadiusFor, decideFix, decideFork, type NotifyEvent } from "../policy/index.js";
import type { EgressPolicy, ResourceLimits, SandboxMode, Toolchains } from "../sandbox/index.js";
import { GovernanceStore, RunStore, type Database, type Forge, type StoredFailure } from "../store/index.js";
import { isSafeBranchName, type MirrorCache } from "../workspace/index.js";
import { refreshStickyComments } from "./diagnose-failure.js";
import { withCause } from "../ledger/index.js";
import { notify } from "./notify-chat.js";
import type { WorkerDeps } from "./process-delivery.js";

/** What a worker needs to run fix pipelines (absent: the worker only diagnoses). */
export interface FixEnvironment {
  readonly mirrors: MirrorCache;
  readonly workRoot: string;
  readonly sandbox: SandboxMode;
  readonly sandboxPolicy: "required" | "preferred";
  readonly toolchains: Toolchains;
  readonly dependencyCacheDir?: string;
  /** Redis leases when the deployment has Redis; the database's otherwise. */
  readonly leases?: Leases;
  /** Where runs stream their classified output for the dashboard. */
  readonly live?: LiveFeed;
  /** The registries network steps may reach (SENTINEL_EGRESS_ALLOW); none without it. */
  readonly egress?: EgressPolicy;
  /** Per-step limits and the run deadline (SENTINEL_STEP_*, SENTINEL_RUN_DEADLINE_S). */
  readonly limits?: ResourceLimits;
  readonly runDeadlineMs?: number;
  readonly cgroupRoot?: string;
}

/** A fix job's data: ids only (see JobDataByName). */
export interface FixJob {
  readonly requestId?: string;
  readonly resumeRunId?: string;
}

const fixJobSchema = z.object({ requestId: z.string().min(1).max(100).optional(), resumeRunId: z.string().min(1).max(100).optional() });

/** What a fix job is allowed, as the database says: a job's data proves nothing. */
interface Permits {
  /** A person asked for this fix: their request, found for this failure and not spent. */
  readonly requestId: string | null;
  readonly manual: boolean;
  readonly requestedBy: string | null;
  /** A run that waited for a human, approved for this very failure. */
  readonly resumeRunId: string | null;
  /** The job asked to resume a run the database does not show approved for this failure. */
  readonly refused: boolean;
}

/**
 * Reads what the job names from the database. Job data comes from Redis, which is no authority:
 * fields other than the ids are dropped (and logged), a request counts only when it exists for
 * this failure and is unspent, and a resumed run only when its approval, for this failure, says
 * approved. Everything else the run needs (fork status, approvals, caps) is decided later from
 * the database and the forge's API too.
 */
async function readPermits(deps: WorkerDeps, gov: GovernanceStore, runs: RunStore, failureKey: string, data: unknown): Promise<Permits> {
  const extra = data && typeof data === "object" ? Object.keys(data).filter((k) => !["failureKey", "requestId", "resumeRunId"].includes(k)) : [];
  if (extra.length > 0) deps.logger.warn({ failure: failureKey, fields: extra }, "fix job data carried fields Sentinel never takes from a queue; they were ignored");
  const parsed = fixJobSchema.safeParse(data ?? {});
  if (!parsed.success) deps.logger.warn({ failure: failureKey }, "fix job data not understood; running it as an ordinary fix job");
  const job: FixJob = parsed.success ? parsed.data : {};
  if (job.resumeRunId) {
    const [approval, run] = await Promise.all([gov.getApproval(job.resumeRunId), runs.getRun(job.resumeRunId)]);
    if (approval?.status === "approved" && approval.failureKey === failureKey && run?.failure_key === failureKey) {
      return { requestId: null, manual: run.manual === true, requestedBy: approval.decidedBy, resumeRunId: job.resumeRunId, refused: false };
    }
    deps.logger.warn({ failure: failureKey, run: job.resumeRunId }, "fix job names a run that is not approved for this failure; nothing is resumed");
    return { requestId: null, manual: false, requestedBy: null, resumeRunId: null, refused: true };
  }
  if (job.requestId) {
    const request = await gov.claimFixRequest(job.requestId, failureKey);
    if (request) return { requestId: job.requestId, manual: true, requestedBy: request.requestedBy, resumeRunId: null, refused: false };
    deps.logger.warn({ failure: failureKey, request: job.requestId }, "fix job names a request that does not exist for this failure or was spent; running it as an ordinary fix job");
  }
  return { requestId: null, manual: false, requestedBy: null, resumeRunId: null, refused: false };
}

/**
 * The fix job for a diagnosed failure: the repository's policy (read from its default branch
 * now, not when the job was queued) decides through the governed pipeline's gates whether and how
 * far the run goes; the outcome is recorded as the failure's decision, moves the agent's trust,
 * asks a human when the policy wants one, and updates the sticky comment and Slack.
 */
export async function fixFailure(deps: WorkerDeps, failureKey: string, jobData: unknown = {}): Promise<FixOutcome | null> {
  const failure = await deps.store.getFailure(failureKey);
  const stored = await deps.store.getDiagnosis(failureKey);
  if (!failure || !stored) throw new Error(`failure ${failureKey} has no diagnosis to fix`);
  if (!deps.fixing) throw new Error("this worker is not set up to run fixes");
  const gov = new GovernanceStore(deps.store.db);
  const runs = new RunStore(deps.store.db);
  const job = await readPermits(deps, gov, runs, failureKey, jobData);
  if (job.refused) return null;
  const target = { forge: failure.forge, repo: failure.repo, repoId: failure.repoId, installationId: failure.installationId ?? null };
  const forge = await deps.forges.client(target);
  const loaded = await loadRepoConfig(forge);
  const decide = (verdict: string, rule: string | null, message: string, runId: string | null = null) =>
    gov.setDecision({ failureKey, forge: failure.forge, repo: failure.repo, fingerprint: stored.diagnosis.fingerprint, verdict, rule, message, runId });
  if (loaded.errors.length > 0) {
    await decide("denied", "config", `${forge.configPath} has errors, so Sentinel runs on safe defaults (diagnose only)`);
    return null;
  }
  const { config } = loaded;
  let mode = effectiveMode(config);
  // A maintainer's `/sentinel fix` is the opt-in for that one failure; every other rule still holds.
  if (mode === "diagnose" && job.manual) mode = "propose";
  if (mode === "diagnose") {
    await decide("denied", "mode", "mode is diagnose: Sentinel reports failures but runs no fixes (set `mode: propose` to have it open fixes)");
    return null;
  }
  const fixer = await deps.forges.fixer(target);
  const trust = new Trust(gov);
  const policy = config.policy;
  const defaultBranch = typeof failure.context.defaultBranch === "string" ? failure.context.defaultBranch : "main";
  const pr = failure.pullRequests[0] ?? null;
  // Whether the code comes from a fork is asked of the forge now, not taken from what a webhook
  // said when the failure arrived; when the forge cannot say, the run is treated as a fork's.
  const prInfo = pr ? await forge.pullRequestInfo(pr.number).catch((error: unknown) => (deps.logger.warn({ err: error instanceof Error ? error.message : String(error), pr: pr.number }, "could not read the pull request; its fix is handled as a fork's"), null)) : null;
  const fromFork = failure.fromFork || (pr !== null && (pr.fromFork || prInfo === null || prInfo.fromFork));
  // The failing command is the one CI itself reported (the failed step the jobs API names), never a
  // `Run …` line read from the log, which anything the job printed could have forged.
  const failingCommand = await reportedFailingCommand(forge, failure.jobId ?? null, stored.diagnosis);
  // Push mode commits onto the pull request's own branch, which only exists here for same-repository pull requests.
  // The branch name comes from a webhook: only a plain one is ever handed to git.
  const pushBranch = pr && !fromFork && failure.ref && failure.ref !== defaultBranch && isSafeBranchName(failure.ref) ? failure.ref : null;
  let tierAtGate: TierState | null = null;
  // A fork's branch is not in this repository: an approved fork fix is proposed into the pull request's base.
  const baseBranch = fromFork && pr ? (prInfo?.baseRef ?? defaultBranch) : (failure.ref ?? defaultBranch);

  const gate: FixGate = async (input) => {
    if (input.stage === "fork") return decideFork(policy, input.approved);
    const tier = await trust.tierOf(failure.forge, failure.repo, input.agentId, policy);
    tierAtGate = tier;
    const fp = input.diagnosis.fingerprint;
    // This failure's own runs that died with their worker are not earlier attempts: this run is the
    // same job, handed out again, finishing what they started (see attemptsBefore).
    const [onCommit, onFingerprint, inRepo, load, paused, ignored, ownCommit, seenOnDefault] = await Promise.all([
      attemptsBefore(deps.store.db, failure.forge, failure.repo, { sha: failure.sha }, input.runId, failureKey),
      attemptsBefore(deps.store.db, failure.forge, failure.repo, { fingerprint: fp }, input.runId, failureKey),
      attemptsBefore(deps.store.db, failure.forge, failure.repo, {}, input.runId, failureKey),
      gov.pullRequestLoad(failure.forge, failure.repo, 60 * 60 * 1000),
      gov.isPaused(failure.forge, failure.repo, failure.pullRequests.map((p) => p.number)),
      gov.isIgnored(failure.forge, failure.repo, fp),
      isOwnCommit(gov, failure),
      failure.ref !== defaultBranch ? gov.seenOnBranch(failure.forge, failure.repo, fp, defaultBranch, failure.sha) : Promise.resolve(false),
    ]);
    const decision = decideFix(policy, {
      now: new Date(),
      mode,
      tier,
      agentId: input.agentId,
      category: input.diagnosis.category,
      confidence: input.confidence,
      flaky: stored.flaky || seenOnDefault,
      paths: input.paths,
      fromFork,
      approved: input.approved,
      paused,
      ignored,
      ownCommit,
      humanPushedOverFix: input.humanOnFixBranch,
      attemptsOnCommit: onCommit.count,
      attemptsOnFingerprint: onFingerprint.count,
      last: { fingerprint: onFingerprint.last, repo: inRepo.last },
      prsOpenedAt: load.openedAt,
      openPrs: load.open,
      canPush: input.canPush,
      manual: job.manual,
      categories: config.fix.categories,
    });
    if (decision.verdict !== "allow") return decision;
    return { verdict: "allow", action: decision.action, notes: decision.notes, blastRadius: blastRadiusFor(policy, tier === "revoked" ? 0 : tier) };
  };

  const outcome = await runFix(
    {
      runs,
      mirrors: deps.fixing.mirrors,
      workRoot: deps.fixing.workRoot,
      forge: fixer,
      agents: await repoAgents(forge, config.fix.recipes, config.fix.disable, deps),
      rules: loaded.rules,
      sandbox: deps.fixing.sandbox,
      sandboxPolicy: deps.fixing.sandboxPolicy,
      logger: deps.logger,
      readOnlyPaths: deps.fixing.toolchains.readOnlyPaths,
      toolEnv: deps.fixing.toolchains.env,
      errorBudget: policy.errorBudget,
      gate,
      ...(deps.fixing.leases ? { leases: deps.fixing.leases } : {}),
      // A retried job can find its own dead run still holding the lease: wait it out.
      leaseWaitMs: DEFAULT_LEASE_TTL_MS + DEFAULT_LEASE_TTL_MS / 4,
      ...(deps.fixing.live ? { live: deps.fixing.live } : {}),
      ...(deps.fixing.dependencyCacheDir ? { dependencyCacheDir: deps.fixing.dependencyCacheDir } : {}),
      ...(deps.fixing.egress ? { egress: deps.fixing.egress } : {}),
      ...(deps.fixing.limits ? { limits: deps.fixing.limits } : {}),
      ...(deps.fixing.runDeadlineMs ? { runDeadlineMs: deps.fixing.runDeadlineMs } : {}),
      ...(deps.fixing.cgroupRoot ? { cgroupRoot: deps.fixing.cgroupRoot } : {}),
    },
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
  deps.logger.info({ failure: failureKey, run: outcome.runId, repo: failure.repo, status: outcome.status, rule: outcome.rule, reason: outcome.reason, pr: outcome.pullRequest?.number }, "fix run finished");
  countRun(deps, failure.forge, outcome);
  if (job.resumeRunId && outcome.status === "nothing-to-fix" && Object.keys(outcome.phaseMs).length === 0) return outcome;

  await decide(verdictOf(outcome), outcome.rule ?? null, outcome.reason, outcome.runId);
  await withCause({ run: outcome.runId }, () => afterRun(deps, { gov, trust, loaded, failure, outcome, tierAtGate, forge }));
  return outcome;
}

function countRun(deps: WorkerDeps, forge: string, outcome: FixOutcome): void {
  const m = deps.metrics;
  if (!m) return;
  m.runs.inc({ outcome: outcome.status });
  for (const [phase, ms] of Object.entries(outcome.phaseMs)) if (ms !== undefined) m.runPhaseSeconds.observe({ phase }, ms / 1000);
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

/** What follows a run: approvals asked for, trust earned or lost, people told. */
async function afterRun(
  deps: WorkerDeps,
  r: { gov: GovernanceStore; trust: Trust; loaded: LoadedRepoConfig; failure: StoredFailure; outcome: FixOutcome; tierAtGate: TierState | null; forge: ForgeClient },
): Promise<void> {
  const { gov, trust, loaded, failure, outcome } = r;
  const policy = loaded.config.policy;
  const tell = (event: NotifyEvent, title: string, text: string, extra: { url?: string | null; runId?: string } = {}) => notify(deps, loaded, event, failure.repo, title, text, extra);
  switch (outcome.status) {
    case "waiting-approval": {
      // Durations in the parsed policy are milliseconds already.
      const expiresAt = new Date(Date.now() + policy.approval.expiresAfter);
      await gov.requestApproval({
        runId: outcome.runId,
        forge: failure.forge,
        repo: failure.repo,
        prNumber: failure.pullRequests[0]?.number ?? null,
        failureKey: failure.failureKey,
        fingerprint: (await deps.store.getDiagnosis(failure.failureKey))?.diagnosis.fingerprint ?? "",
        rule: outcome.rule ?? "policy.approval",
        message: outcome.reason,
        expiresAt,
      });
      await tell("approval-needed", `Approval needed: ${outcome.agentId ?? "a fix"} for ${failure.jobName}`, `${outcome.reason}\nApprove with \`/sentinel approve ${outcome.runId}\` on the pull request, or here. Expires ${expiresAt.toISOString()}.`, { runId: outcome.runId, url: failure.jobUrl });
      break;
    }
    case "shadow":
      // A verified shadow run is how an agent at T0 earns its first promotion.
      if (r.tierAtGate === 0 && outcome.agentId) {
        const { promoted, tier } = await trust.recordClean(failure.forge, failure.repo, outcome.agentId, policy, { runId: outcome.runId, evidence: "verified shadow run", diff: outcome.diff ?? null });
        if (promoted) deps.logger.info({ repo: failure.repo, agent: outcome.agentId, tier }, "agent promoted");
      }
      break;
    case "suggested":
      await tell("fix-opened", `Sentinel suggested a verified fix as a patch on #${failure.pullRequests[0]?.number ?? "?"}`, `${failure.jobName}: ${outcome.reason}`);
      break;
    case "proposed":
    case "pushed":
      await tell("fix-opened", outcome.status === "pushed" ? `Sentinel pushed a verified fix onto ${outcome.branch}` : `Sentinel opened verified fix #${outcome.pullRequest?.number}`, `${failure.jobName}: ${outcome.reason}`, { url: outcome.pullRequest?.url ?? null });
      break;
    case "escalated":
      // A breached error budget revoked the agent; a recipe's `escalate` only hands this one failure over.
      if (outcome.revoked) await tell("revoked", `Agent ${outcome.agentId ?? "?"} revoked in ${failure.repo}`, `${outcome.reason}\nA handoff is in run ${outcome.runId} (\`sentinel audit replay ${outcome.runId}\`); \`/sentinel resume\` restores the agent at T0.`, { runId: outcome.runId });
      else await tell("escalated", `Agent ${outcome.agentId ?? "?"} handed a failure to a human in ${failure.repo}`, `${outcome.reason}\nA handoff is in run ${outcome.runId} (\`sentinel audit replay ${outcome.runId}\`).`, { runId: outcome.runId });
      break;
    case "policy":
      if (outcome.rule?.startsWith("policy.freeze")) await tell("freeze-blocked", `Change freeze: no fix for ${failure.jobName}`, outcome.reason);
      break;
  }
  if (failure.pullRequests.length > 0) await refreshStickyComments(deps, r.forge, failure, loaded);
}

/**
 * Fix runs that got past the gate before this one (GovernanceStore.attempts), for the cooldown and
 * the loop caps, except this same failure's runs that were abandoned or threw: their worker died
 * (a crash, a deploy, an eviction), or something they needed was away for a moment (Redis
 * restarting, the forge's API), and the queue handed the job out again, so this run is that same
 * attempt finishing, not a new one. Counting them denied every retry by the 6 h cooldown, leaving
 * a failure unfixed (or its fix branch pushed without a pull request) because a worker died or
 * Redis restarted (both found by bench:faults). Other failures' runs still count, and a job
 * whose runs keep dying or throwing stops when the queue gives up on it (its attempts, and
 * BullMQ's stalled-job limit).
 */
async function attemptsBefore(db: Database, forge: Forge, repo: string, where: { sha?: string; fingerprint?: string }, runId: string, failureKey: string): Promise<{ count: number; last: Date | null }> {
  const { rows } = await db.query<{ n: number | string; last: Date | null }>(
    `SELECT count(*) AS n, max(started_at) AS last FROM runs WHERE forge = $1 AND repo = $2 AND action IS NOT NULL
     AND ($3::text IS NULL OR sha = $3) AND ($4::text IS NULL OR fingerprint = $4) AND run_id <> $5
     AND NOT (status IN ('abandoned', 'error') AND failure_key IS NOT DISTINCT FROM $6)`,
    [forge, repo, where.sha ?? null, where.fingerprint ?? null, runId, failureKey],
  );
  return { count: Number(rows[0]?.n ?? 0), last: rows[0]?.last ?? null };
}

/** CI on Sentinel's own fix is its one verification round, not a new failure to fix. */
async function isOwnCommit(gov: GovernanceStore, failure: StoredFailure): Promise<boolean> {
  if (failure.ref?.startsWith("sentinel/fix-")) return true;
  return gov.isSentinelCommit(failure.forge, failure.repo, failure.sha);
}

/** Builtin recipes minus the disabled, plus the repository's own from its default branch. */
async function repoAgents(forge: ForgeClient, files: readonly string[], disabled: readonly string[], deps: WorkerDeps): Promise<Agent[]> {
  const own: Recipe[] = [];
  for (const file of files) {
    const text = await forge.readFile(file);
    if (text === null) {
      deps.logger.warn({ repo: forge.repo, file }, "recipe listed in the config is missing on the default branch");
      continue;
    }
    const { recipe, issues } = parseRecipe(text, file);
    if (recipe) own.push(recipe);
    else deps.logger.warn({ repo: forge.repo, file, issues }, "invalid recipe ignored");
  }
  return agentsFrom((await loadBuiltinRecipes()).recipes, own, disabled);
}

/**
 * The diagnosis's step as a command, when the forge reports that step failed in this job (GitHub
 * Actions' jobs API lists the job's steps, named `Run <command>` after their script); null where
 * the forge reports no steps (GitLab, other CIs' checks): the agent's own verify command is used.
 */
async function reportedFailingCommand(forge: ForgeClient, jobId: string | null, d: Diagnosis): Promise<string[] | null> {
  const step = d.step?.name;
  if (!jobId || !step || !forge.failedSteps) return null;
  const failed = await forge.failedSteps(jobId).catch(() => [] as string[]);
  return failed.includes(step) ? commandFromStep(d) : null;
}
