import { createHash, randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { selectAgent, type Agent, type AgentContext, type PlannedStep } from "../agents/index.js";
import { DEFAULT_RUN_DEADLINE_S, runCommand, type EgressPolicy, type ResourceLimits, type RunCommandResult, type SandboxMode } from "../sandbox/index.js";
import { createClassifier, type Diagnosis, type RuleSet } from "../sentinel/index.js";
import type { Forge, RunPhase, RunStore } from "../store/index.js";
import { commitAndPush, createWorktree, diffPatch, diffStat, fileInWorktree, gitControlFingerprint, gitEnv, remoteBranchHead, removeWorktree, type MirrorCache, type Worktree } from "../workspace/index.js";
import { sentinelGit } from "../workspace/git-env.js";
import type { FixForge } from "./fix-forge.js";
import type { LiveFeed } from "../live/index.js";
import { databaseLeases, type Leases } from "./leases.js";
import { removeDeadRunWorktree, removeRunDirectory } from "./run-janitor.js";
import { commitMessage, forkPatchComment, pullRequestBody, pullRequestTitle } from "./fix-text.js";
import { blastRadiusViolation, DEFAULT_BLAST_RADIUS, DEFAULT_ERROR_BUDGET, ErrorBudget, type BlastRadius, type ErrorBudgetLimits, type InstructionPacket } from "./governance.js";

import { DEFAULT_AUTHOR, DEFAULT_LEASE_TTL_MS, type FixDeps, type FixOutcome, type FixRequest, type FixStatus, type GateInput } from "./fix-types.js";

class Stop extends Error {
  constructor(
    readonly status: FixStatus,
    readonly reason: string,
    readonly rule?: string,
  ) {
    super(reason);
  }
}

/**
 * The governed fix pipeline: BOOTSTRAP → PREFLIGHT → PLAN → EXECUTE → VERIFY → PACKAGE → REPORT →
 * EXIT. Every transition, command and decision is persisted and written to the ledger. A run
 * holds a lease on its repository and fix branch; a run whose worker died is abandoned (it
 * pushed nothing, because the push is the last, atomic step) and the next attempt starts clean.
 */
export async function runFix(deps: FixDeps, req: FixRequest): Promise<FixOutcome> {
  const resuming = Boolean(req.resumeRunId);
  const runId = req.resumeRunId ?? `run_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  if (resuming && !(await deps.runs.resumeRun(runId, req.failureKey ?? null))) {
    // Decided, expired, or resumed by a job that ran before this one: nothing to do twice.
    return { runId, status: "nothing-to-fix", reason: "the run is not approved and waiting to resume", phaseMs: {} };
  }
  const phaseMs: FixOutcome["phaseMs"] = {};
  const ttl = deps.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  // A running run beats (renews its lease, stamps its heartbeat) this often; one whose heart
  // stopped for three beats is dead.
  const beatMs = Math.max(1000, Math.min(Math.floor(ttl / 3), 5000));
  const deadAfterMs = 3 * beatMs;
  const log = deps.logger.child({ run: runId, repo: req.repo });
  // One deadline for the whole run, whatever its recipe asks of each step (a repository recipe
  // could otherwise ask for 20 steps of an hour each, retried).
  const deadline = Date.now() + (deps.runDeadlineMs ?? DEFAULT_RUN_DEADLINE_S * 1000);
  const budget = new ErrorBudget(deps.errorBudget ?? DEFAULT_ERROR_BUDGET);
  const leases = deps.leases ?? databaseLeases(deps.runs);
  let phaseStarted = Date.now();
  let currentPhase: RunPhase | "DIAGNOSE" = "BOOTSTRAP";
  const enter = async (phase: RunPhase, data: Record<string, unknown> = {}) => {
    phaseMs[currentPhase] = (phaseMs[currentPhase] ?? 0) + (Date.now() - phaseStarted);
    currentPhase = phase;
    phaseStarted = Date.now();
    await deps.runs.transition(runId, phase, data);
    deps.live?.publish(runId, { kind: "phase", phase });
  };
  let worktree: Worktree | null = null;
  let runDir: { dir: string; mirrorDir: string } | null = null;
  let leaseKey: string | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  let agentId: string | undefined;
  let diagnosis = req.diagnosis;
  let commandEnv: Record<string, string> = { ...(deps.toolEnv ?? {}) };
  let writable: string[] = [];
  let home: string | undefined;
  let action = "propose" as "shadow" | "propose" | "push";
  let diffSeen: FixOutcome["diff"] | undefined;
  let blast = deps.blastRadius ?? DEFAULT_BLAST_RADIUS;

  const fingerprintForKey = diagnosis?.fingerprint ?? `cmd-${(req.failingCommand ?? []).join(" ")}`;
  const runKey = `${req.forge}:${req.repo}:${fingerprintForKey}`;
  if (!resuming) {
    await deps.runs.startRun({ runId, runKey, forge: req.forge, repo: req.repo, fingerprint: fingerprintForKey, failureKey: req.failureKey ?? null, sha: req.sha, prNumber: req.prNumber ?? null, manual: req.manual ?? false });
    await deps.runs.record(runId, "run.started", { sha: req.sha, baseBranch: req.baseBranch, failureKey: req.failureKey ?? null, prNumber: req.prNumber ?? null, manual: req.manual ?? false, requestedBy: req.requestedBy ?? null });
  }
  try {
    // BOOTSTRAP: one run per repository and failure at a time; a dead run's lease lapses.
    leaseKey = `fix:${runKey}`;
    const waitUntil = Date.now() + (deps.leaseWaitMs ?? 0);
    for (let waited = false; ; waited = true) {
      for (const dead of await deps.runs.abandonStaleRuns(runKey, ttl)) await removeDeadRunWorktree(deps.runs, dead, runId);
      if (await leases.acquire(leaseKey, runId, ttl)) break;
      if (await takeOverFromDeadRun()) break;
      if (Date.now() >= waitUntil) throw new Stop("locked", waited ? `another run held this failure's lease for ${Math.round((deps.leaseWaitMs ?? 0) / 1000)} s` : "another run is fixing this failure in this repository");
      if (!waited) await deps.runs.record(runId, "lease.waiting", { lease: leaseKey, upToMs: deps.leaseWaitMs ?? 0 });
      // A waiting run is alive: its heart beats, or the janitor and other runs would take it for dead.
      await deps.runs.db.query("UPDATE runs SET heartbeat_at = now() WHERE run_id = $1", [runId]);
      await new Promise((r) => setTimeout(r, Math.min(Math.max(250, Math.floor(beatMs / 2)), Math.max(0, waitUntil - Date.now()))));
    }
    // Holding the lease, no live run of this failure is working on it: live runs, waiting ones
    // included, beat every beatMs. Those whose heart stopped for three beats are dead: they are
    // abandoned (and their worktrees removed) now, not when they would look stale to the loop above.
    for (const dead of await deps.runs.abandonStaleRuns(runKey, deadAfterMs)) await removeDeadRunWorktree(deps.runs, dead, runId);
    heartbeat = setInterval(() => {
      void leases.renew(leaseKey as string, runId, ttl).catch(() => {});
      void deps.runs.db.query("UPDATE runs SET heartbeat_at = now() WHERE run_id = $1", [runId]).catch(() => {});
    }, beatMs);
    heartbeat.unref();

    await enter("PREFLIGHT");
    // With a policy, its `policy.forks` decides at the gate (diagnose only, or wait for a maintainer).
    if (req.fromFork && !deps.gate) throw new Stop("diagnose-only", "the pull request comes from a fork: Sentinel diagnoses it but does not push fixes", "policy.forks");
    if (deps.sandbox === "none") {
      if (deps.sandboxPolicy === "required") throw new Stop("no-sandbox", "no sandbox (bubblewrap) is available and the policy requires one");
      log.warn("NO SANDBOX: fixer commands run with only a scrubbed environment, as the policy allows");
      await deps.runs.record(runId, "sandbox.missing", { policy: deps.sandboxPolicy });
    }
    // A fork's code is fetched only once the policy allows running a fixer on it (policy.forks,
    // and a maintainer's approval): until then not one of its objects enters the mirror.
    if (req.fromFork) {
      if (!req.diagnosis) throw new Stop("policy", "a fork's failure is fixed only from its diagnosis", "policy.forks");
      await gate("fork", "", 0, req.diagnosis, []);
    }
    const mirror = await deps.mirrors.ensure(deps.forge.remote);
    await deps.runs.record(runId, "workspace.mirror", { cold: mirror.cold, ms: mirror.durationMs });
    if (req.fromFork) {
      // A fork's commits are on no branch of this repository, only under its pull request's ref.
      const prRef = req.prNumber && Number.isInteger(req.prNumber) ? pullRequestRefspec(deps.forge.forge, req.prNumber) : null;
      if (!prRef) throw new Stop("policy", "a fork's failure is fixed only on its pull request, and this one names none", "policy.forks");
      await deps.mirrors.fetchRefs(deps.forge.remote, [prRef]);
    }
    const runRoot = path.join(deps.workRoot, runId);
    // A repository's fixers share a dependency cache across runs, keyed by the repository's id; a
    // fork's code gets one of its own for this run only, so it cannot poison what the base
    // repository's later runs install.
    const cache = !deps.dependencyCacheDir ? null : req.fromFork ? path.join(runRoot, "dependency-cache") : path.join(deps.dependencyCacheDir, createHash("sha256").update(`${req.forge}:${req.repoId ?? req.repo}`).digest("hex").slice(0, 20));
    if (cache) await mkdir(cache, { recursive: true });
    const cacheEnv: Record<string, string> = cache ? { npm_config_cache: path.join(cache, "npm"), YARN_CACHE_FOLDER: path.join(cache, "yarn"), PIP_CACHE_DIR: path.join(cache, "pip") } : {};
    commandEnv = { ...(deps.toolEnv ?? {}), ...cacheEnv };
    writable = cache ? [cache] : [];
    // The fixers' HOME lives beside the worktree, not in it: a repository cannot ship files into it.
    home = path.join(runRoot, "home");
    // The worktree goes into a folder named after the run, recorded before it exists: a worker that
    // dies while git creates it (or before its path is recorded) leaves nothing the next run or the
    // janitor cannot find and remove.
    runDir = { dir: runRoot, mirrorDir: mirror.gitDir };
    await deps.runs.record(runId, "workspace.creating", runDir);
    worktree = await createWorktree(mirror.gitDir, req.sha, runDir.dir);
    await deps.runs.record(runId, "workspace.worktree", { path: worktree.path, gitDir: worktree.gitDir, mirrorDir: worktree.mirrorDir });
    const wt = worktree;
    if (!diagnosis) {
      if (!req.failingCommand?.length) throw new Stop("error", "nothing to fix: no diagnosis and no failing command");
      const started = Date.now();
      const diagnosed = await classifyRun(req.failingCommand, { step: "diagnose" });
      stopAtLimit("diagnose", diagnosed.result);
      diagnosis = diagnosed.diagnosis;
      phaseMs.DIAGNOSE = Date.now() - started;
      // Diagnosing happens inside PREFLIGHT; it is reported on its own, not twice.
      phaseStarted += phaseMs.DIAGNOSE;
      await deps.runs.record(runId, "diagnosis", { category: diagnosis.category, tool: diagnosis.tool, fingerprint: diagnosis.fingerprint, summary: diagnosis.summary });
      if (diagnosis.status !== "failed") throw new Stop("nothing-to-fix", `\`${req.failingCommand.join(" ")}\` passes at ${req.sha.slice(0, 7)}`);
    }
    const d = diagnosis;
    // Only a command the caller vouches for: one CI itself reported, or the CLI user's. A `Run …`
    // header in a log is text anything the job printed could have forged.
    const failingCommand = req.failingCommand ?? null;
    const ctx: AgentContext = { diagnosis: d, fileExists: (p) => fileInWorktree(wt.path, p), failingCommand };
    const revoked = new Set(await deps.runs.revokedAgents(req.forge, req.repo));
    const chosen = selectAgent(deps.agents.filter((a) => !revoked.has(a.id)), ctx, deps.minConfidence ?? 0.3);
    if (!chosen) {
      const revokedHint = revoked.size > 0 ? ` (revoked here: ${[...revoked].join(", ")})` : "";
      throw new Stop("no-agent", `no enabled agent handles a ${d.category} failure${d.tool ? ` of ${d.tool}` : ""}${revokedHint}`);
    }
    agentId = chosen.agent.id;
    // The policy decides before any fixer runs: mode and tier, forks, confidence, loops, cooldowns,
    // freezes, rate limits, approval.
    const blamed = [...new Set(d.findings.map((f) => f.file).filter((f): f is string => Boolean(f)))];
    await gate("preflight", chosen.agent.id, chosen.confidence, d, blamed);

    await enter("PLAN");
    const steps = chosen.agent.plan(ctx);
    const verifyCommand = chosen.agent.verifyCommand(ctx) ?? failingCommand;
    if (!verifyCommand?.length) throw new Stop("no-agent", "nothing to verify with: the failing command is unknown and the agent names none");
    const packet: InstructionPacket = {
      objective: `Make \`${verifyCommand.join(" ")}\` pass again: ${d.summary}`,
      constraints: { allowedPaths: ["*"], forbiddenPaths: blast.forbiddenPaths, requiredSteps: steps.map((s) => s.id) },
      successCriteria: [`\`${verifyCommand.join(" ")}\` exits 0 with no failing finding`, `at most ${blast.maxFiles} files and ${blast.maxLines} lines changed`, "no forbidden path touched"],
      errorBudget: budget.limits,
      blastRadius: blast,
    };
    await deps.runs.setRunFields(runId, { agentId, packet });
    await deps.runs.record(runId, "plan", { agent: agentId, confidence: chosen.confidence, steps: steps.map((s) => ({ id: s.id, command: s.command })), verify: verifyCommand });

    await enter("EXECUTE");
    const controlBefore = await gitControlFingerprint(wt);
    for (const step of steps) await executeStep(step);
    if ((await gitControlFingerprint(wt)) !== controlBefore) {
      budget.violation("a fixer changed git's configuration or hooks");
      await deps.runs.record(runId, "violation", { what: "git control files changed" });
    }
    checkBudget();

    await enter("VERIFY");
    const verified = await classifyRun(verifyCommand, { step: "verify" });
    stopAtLimit("verify", verified.result);
    await deps.runs.record(runId, "verify", { command: verifyCommand, exitCode: verified.result.exitCode, status: verified.diagnosis.status, summary: verified.diagnosis.summary, sandboxed: verified.result.sandboxed });
    if (verified.result.exitCode !== 0 || verified.diagnosis.status === "failed") {
      throw new Stop("verify-failed", `\`${verifyCommand.join(" ")}\` still fails after ${agentId}: ${verified.diagnosis.summary}`);
    }
    const diff = await diffStat(wt);
    await deps.runs.record(runId, "diff", { files: diff.files, linesAdded: diff.linesAdded, linesDeleted: diff.linesDeleted });
    if (diff.files.length === 0) throw new Stop("nothing-to-fix", `${agentId} changed nothing, yet the command passes: the failure did not reproduce here`);
    diffSeen = { files: diff.files, linesAdded: diff.linesAdded, linesDeleted: diff.linesDeleted };
    const over = blastRadiusViolation(diff, blast);
    if (over) throw new Stop("blast-radius", `the fix ${over}`, "policy.blastRadius");
    if (action === "shadow") {
      await deps.runs.record(runId, "shadow", { wouldChange: diff.files, linesAdded: diff.linesAdded, linesDeleted: diff.linesDeleted });
      throw new Stop("shadow", `shadow mode: ${chosen.agent.name} would change ${diff.files.length} file${diff.files.length === 1 ? "" : "s"} (+${diff.linesAdded} −${diff.linesDeleted}), verified by \`${verifyCommand.join(" ")}\`; nothing was written`);
    }
    // Time has passed since PREFLIGHT (a freeze may have begun), and the diff names the paths.
    await gate("package", chosen.agent.id, chosen.confidence, d, diff.files);

    await enter("PACKAGE");
    if (req.fromFork) {
      // A fork's code never lands in this repository: its verified fix is posted on its pull
      // request as a patch the author applies (or not), and nothing is pushed anywhere.
      if (!req.prNumber || !deps.forge.suggestPatch) throw new Stop("policy", "a fork's fix is only ever posted as a patch on its pull request, which this forge cannot do", "policy.forks");
      const patch = await diffPatch(wt);
      await stillHolding();
      const posted = await deps.forge.suggestPatch(req.prNumber, forkPatchComment({ diagnosis: d, agentName: chosen.agent.name, verify: verifyCommand, runId, files: diff.files, patch }));
      await deps.runs.record(runId, "patch.suggested", { pr: req.prNumber, commentId: posted.id, files: diff.files, bytes: Buffer.byteLength(patch) });
      await enter("REPORT");
      return await finish({ runId, status: "suggested", reason: `posted the verified fix as a patch on #${req.prNumber}; nothing was pushed (the pull request comes from a fork)`, agentId, action, diff: diffSeen, phaseMs });
    }
    const message = commitMessage(d, chosen.agent.name, verifyCommand, runId);
    if (action === "push" && req.pushBranch) {
      // Onto the pull request's own branch, as a fast-forward of the failing commit: if anyone
      // pushed since, the push is refused and nothing of theirs is overwritten.
      const head = await remoteBranchHead(wt, deps.forge.remote, req.pushBranch);
      if (head !== req.sha) throw new Stop("policy", `the pull request branch moved on (${head ? head.slice(0, 7) : "deleted"}) since the failing commit ${req.sha.slice(0, 7)}; Sentinel does not push over it`, "policy.loop");
      await stillHolding();
      await deps.runs.record(runId, "pushing", { branch: req.pushBranch, onto: true });
      const { commit } = await commitAndPush(wt, { branch: req.pushBranch, message, author: deps.author ?? DEFAULT_AUTHOR, remote: deps.forge.remote, onto: true });
      await deps.runs.record(runId, "pushed", { branch: req.pushBranch, commit, onto: true });
      await enter("REPORT");
      if (req.prNumber) {
        await deps.runs.upsertPullRequest({ forge: req.forge, repo: req.repo, headBranch: req.pushBranch, number: req.prNumber, url: null, baseBranch: req.baseBranch, title: "", body: "", state: "open", runId, fingerprint: d.fingerprint, kind: "push", agentId, commitSha: commit });
      }
      return await finish({ runId, status: "pushed", reason: `pushed ${commit.slice(0, 7)} onto ${req.pushBranch}`, agentId, branch: req.pushBranch, commit, action, diff: diffSeen, phaseMs });
    }
    const branch = fixBranchName(d);
    // Asked again right before the push (the gate asked at PREFLIGHT): a human who pushed to
    // Sentinel's fix branch meanwhile owns it now, and a force-push would erase their work.
    const existing = await othersCommitOnFixBranch(branch);
    if (existing) throw new Stop("policy", `someone else pushed to ${branch} (${existing.slice(0, 7)}); Sentinel leaves that branch alone`, "policy.loop");
    await stillHolding();
    // The intent first: a worker that dies between the push and its record leaves a commit on the
    // branch that the next run can still recognise as Sentinel's (othersCommitOnFixBranch).
    await deps.runs.record(runId, "pushing", { branch });
    const { commit } = await commitAndPush(wt, { branch, message, author: deps.author ?? DEFAULT_AUTHOR, remote: deps.forge.remote });
    await deps.runs.record(runId, "pushed", { branch, commit });

    await enter("REPORT");
    const pr = await deps.forge.openOrUpdatePullRequest({
      repo: req.repo,
      head: branch,
      base: req.baseBranch,
      title: pullRequestTitle(d, chosen.agent.name),
      body: pullRequestBody(d, packet, diff.files, verifyCommand, runId, chosen.agent.name),
      runId,
      fingerprint: d.fingerprint,
    });
    await deps.runs.record(runId, "pull-request", { ...pr, branch });
    // Recorded for every forge, so the sticky comment can link it and a repeat finds it.
    if (deps.forge.forge !== "local") {
      await deps.runs.upsertPullRequest({ forge: req.forge, repo: req.repo, headBranch: branch, number: pr.number, url: pr.url, baseBranch: req.baseBranch, title: pullRequestTitle(d, chosen.agent.name), body: "", state: "open", runId, fingerprint: d.fingerprint, kind: "fix", agentId, commitSha: commit });
    }
    return await finish({ runId, status: "proposed", reason: `${pr.created ? "opened" : "updated"} pull request #${pr.number}`, agentId, branch, commit, pullRequest: pr, action, diff: diffSeen, phaseMs });
  } catch (error) {
    if (error instanceof Stop) {
      if (error.status === "escalated" && agentId) await escalate(error.reason);
      const revoked = error.status === "escalated" && Boolean(agentId) && Boolean(budget.exceeded());
      const base = { runId, status: error.status, reason: error.reason, ...(agentId ? { agentId } : {}), ...(error.rule ? { rule: error.rule } : {}), ...(diffSeen ? { diff: diffSeen } : {}), ...(revoked ? { revoked } : {}), action, phaseMs };
      if (error.status === "waiting-approval") return await park(base);
      return await finish(base);
    }
    const reason = error instanceof Error ? error.message : String(error);
    log.error({ err: reason }, "fix run failed");
    await deps.runs.record(runId, "run.error", { phase: currentPhase, error: reason });
    await finish({ runId, status: "error", reason, ...(agentId ? { agentId } : {}), phaseMs });
    throw error;
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    if (worktree) await removeWorktree(worktree).catch(() => {});
    if (runDir) await removeRunDirectory(runDir.dir, runDir.mirrorDir);
    if (leaseKey) await leases.release(leaseKey, runId).catch(() => {});
  }

  /** Runs a command in the worktree, under the sandbox, with its output read by the sentinels as it streams. */
  async function classifyRun(command: readonly string[], opts: { step: string; network?: boolean; timeoutMs?: number }) {
    const refusals: Array<Promise<void>> = [];
    const wt = worktree as Worktree;
    const live = deps.live;
    const classifier = createClassifier(deps.rules, {
      source: "shell",
      command: command.join(" "),
      workspaceRoots: [wt.path],
      // Watched runs look at every line so viewers see all of it; the diagnosis is the same.
      ...(live
        ? {
            everyLine: true,
            onEvent: (e) => {
              if (e.type !== "line") return;
              const f = e.finding;
              live.publish(runId, { kind: "line", step: opts.step, lineNumber: e.lineNumber, text: e.text, ...(f ? { finding: { classification: f.classification, category: f.category, severity: f.severity, ruleId: f.ruleId } } : {}) });
            },
          }
        : {}),
    });
    const result = await runCommand({
      command,
      workdir: wt.path,
      timeoutMs: opts.timeoutMs ?? 300_000,
      maxOutputBytes: deps.maxOutputBytes ?? 4 * 1024 * 1024,
      sandbox: deps.sandbox,
      ...(opts.network ? { network: true } : {}),
      ...(deps.readOnlyPaths ? { readOnlyPaths: deps.readOnlyPaths } : {}),
      env: commandEnv,
      writablePaths: writable,
      ...(home ? { home } : {}),
      ...(deps.egress ? { egress: deps.egress } : {}),
      ...(deps.limits ? { limits: deps.limits } : {}),
      ...(deps.cgroupRoot !== undefined ? { cgroupRoot: deps.cgroupRoot } : {}),
      deadline,
      // Every connection the egress proxy refused is in the ledger: what a fixer tried to reach.
      onEgressRefused: (r) => void refusals.push(deps.runs.record(runId, "egress.refused", { step: opts.step, ...r })),
      onLine: (line) => classifier.write(line + "\n"),
    });
    await Promise.all(refusals);
    return { result, diagnosis: classifier.end({ exitCode: result.exitCode ?? 1 }) };
  }

  async function executeStep(step: PlannedStep): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      // The fixer's output streams through the sentinels too: what it reports is in the ledger.
      const { result: r, diagnosis: seen } = await classifyRun(step.command, { step: step.id, network: step.network, timeoutMs: step.timeoutMs });
      await deps.runs.record(runId, "command", {
        step: step.id,
        command: step.command,
        exitCode: r.exitCode,
        timedOut: r.timedOut,
        ms: r.durationMs,
        sandboxed: r.sandboxed,
        limit: r.limit,
        egressRefusals: r.egressRefusals,
        diagnosis: { status: seen.status, category: seen.category, summary: seen.summary },
        outputTail: r.output.slice(-2000),
      });
      if (r.exitCode === 0) return;
      stopAtLimit(step.id, r);
      budget.error(`${step.id}:${r.timedOut ? "timeout" : r.exitCode}`, r.output.slice(-300));
      checkBudget();
      if (step.onError === "continue") return;
      if (step.onError === "retry" && attempt < step.retries) continue;
      if (step.onError === "escalate") throw new Stop("escalated", `step ${step.id} failed and the recipe escalates: ${lastLine(r.output)}`);
      throw new Stop("error", `step ${step.id} failed (exit ${r.timedOut ? "timeout" : r.exitCode}): ${lastLine(r.output)}`);
    }
  }

  /** The head of the fix branch on the remote when it is a commit Sentinel did not push; null otherwise. */
  async function othersCommitOnFixBranch(branch: string): Promise<string | null> {
    const head = await remoteBranchHead(worktree as Worktree, deps.forge.remote, branch);
    if (!head || (await deps.runs.pushedCommits(req.forge, req.repo, branch)).has(head)) return null;
    return (await recoverInterruptedPush(branch, head)) ? null : head;
  }

  /**
   * A run whose worker died after its push landed but before the push was recorded left its commit
   * on the fix branch, unknown to the ledger. It is still Sentinel's, not a person's, when the commit
   * is Sentinel's (authored and committed as Sentinel, its Sentinel-Run trailer naming another run of
   * this repository that recorded it was about to push to this branch and is no longer running). The
   * push is then recorded for that run, so the branch, loop protection and the ledger agree again.
   */
  async function recoverInterruptedPush(branch: string, head: string): Promise<boolean> {
    const wt = worktree as Worktree;
    const text = await sentinelGit(wt.mirrorDir, gitEnv())
      .raw(["cat-file", "commit", head])
      .catch(() => null);
    if (!text) return false;
    const author = deps.author ?? DEFAULT_AUTHOR;
    const ident = `${author.name} <${author.email}>`;
    const [headers = "", message = ""] = text.split(/\n\n([\s\S]*)/);
    const who = (field: string) => new RegExp(`^${field} (.*) \\d+ [+-]\\d{4}$`, "m").exec(headers)?.[1];
    if (who("author") !== ident || who("committer") !== ident) return false;
    const deadRun = /^Sentinel-Run: (run_[A-Za-z0-9_]+)$/m.exec(message)?.[1];
    if (!deadRun || deadRun === runId) return false;
    const dead = await deps.runs.getRun(deadRun);
    if (!dead || dead.forge !== req.forge || dead.repo !== req.repo || dead.status === "running") return false;
    if (!(await deps.runs.ledger(deadRun)).some((e) => e.kind === "pushing" && e.data.branch === branch)) return false;
    await deps.runs.record(deadRun, "pushed", { branch, commit: head, recoveredBy: runId });
    log.warn({ deadRun, branch, commit: head }, "a dead run's push landed unrecorded; recorded it now");
    return true;
  }

  /**
   * The queue hands a job out again when its worker stopped renewing the job's lock, so an earlier
   * run of the same failure that still holds the lease, with a heart stopped for three beats, died
   * with that worker. Its lease is taken over at once (only while that run still holds it) and the
   * run abandoned, instead of waiting up to a TTL for the lease to lapse while holding a worker's
   * slot. Should it be alive after all (frozen that long), it writes nothing: it no longer holds
   * the lease at PACKAGE (stillHolding).
   */
  async function takeOverFromDeadRun(): Promise<boolean> {
    if (!req.failureKey || !leases.takeOver) return false;
    const { rows } = await deps.runs.db.query<{ run_id: string }>(
      `SELECT run_id FROM runs WHERE run_key = $1 AND failure_key = $2 AND run_id <> $3 AND status = 'running'
       AND heartbeat_at < now() - ($4 || ' milliseconds')::interval ORDER BY started_at`,
      [runKey, req.failureKey, runId, String(deadAfterMs)],
    );
    for (const { run_id: dead } of rows) {
      if (!(await leases.takeOver(leaseKey as string, dead, runId, ttl))) continue;
      const { rowCount } = await deps.runs.db.query("UPDATE runs SET status = 'abandoned', finished_at = now() WHERE run_id = $1 AND status = 'running'", [dead]);
      if (rowCount === 1) await deps.runs.record(dead, "run.abandoned", { reason: "its worker died: its job was handed out again, and the new run took over its lease", by: runId });
      await removeDeadRunWorktree(deps.runs, dead, runId);
      return true;
    }
    return false;
  }

  /**
   * Right before anything is written: this run still holds its lease and was not given up for dead.
   * A run whose heartbeat stalled past the TTL (a frozen process, a lost Redis) may have been
   * replaced; two runs must never both push and open a pull request.
   */
  async function stillHolding(): Promise<void> {
    if (!(await leases.renew(leaseKey as string, runId, ttl))) throw new Stop("locked", "this run lost its lease on the failure (its heartbeat stalled longer than the lease lasts); nothing was written");
    const row = await deps.runs.getRun(runId);
    if (row && row.status !== "running") throw new Stop("locked", `this run was marked ${String(row.status)} by another worker; nothing was written`);
  }

  /** Asks the policy; a denial stops the run, a needed approval parks it in PREFLIGHT. */
  async function gate(stage: GateInput["stage"], agent: string, confidence: number, d: Diagnosis, paths: readonly string[]): Promise<void> {
    if (!deps.gate) return;
    const canPush = Boolean(req.pushBranch) && !req.fromFork;
    const humanOnFixBranch = stage === "preflight" && !req.fromFork && (await othersCommitOnFixBranch(fixBranchName(d))) !== null;
    const result = await deps.gate({ stage, runId, agentId: agent, confidence, diagnosis: d, paths, canPush, humanOnFixBranch, approved: resuming });
    await deps.runs.record(runId, "policy.decision", { stage, ...result });
    if (result.verdict === "deny") throw new Stop("policy", result.message, result.rule);
    if (result.verdict === "wait") throw new Stop("waiting-approval", result.message, result.rule);
    if (stage === "fork") return;
    if (stage === "preflight") {
      action = result.action;
      if (result.blastRadius) blast = result.blastRadius;
      await deps.runs.setRunFields(runId, { action });
    } else if (result.action !== action && !(action === "push" && result.action === "propose")) {
      // The package gate may only narrow what the run does (push → propose), never widen it.
      throw new Stop("policy", `the policy changed during the run (now ${result.action}); nothing was written`, "mode");
    } else {
      action = result.action;
    }
  }

  /** A run that needs a human: persisted as waiting in PREFLIGHT; an approval starts it again. */
  async function park(outcome: FixOutcome): Promise<FixOutcome> {
    phaseMs[currentPhase] = (phaseMs[currentPhase] ?? 0) + (Date.now() - phaseStarted);
    await deps.runs.parkRun(runId, { ...outcome, phaseMs });
    await deps.runs.record(runId, "run.waiting", { rule: outcome.rule ?? null, reason: outcome.reason });
    return { ...outcome, phaseMs };
  }

  /**
   * A step ended by a resource limit (memory, processes, /tmp, disk) or by the run's deadline ends
   * the run: retrying would hit the same wall. A step's own timeout is an ordinary failure.
   */
  function stopAtLimit(step: string, r: RunCommandResult): void {
    if (!r.limit || r.limit === "timeout") return;
    const what = r.limit === "deadline" ? "the run's deadline" : `its ${r.limit} limit`;
    throw new Stop("resource-limit", `step ${step} was stopped by ${what}${r.limit === "deadline" ? "" : " (see the operations guide for the SENTINEL_STEP_* limits)"}`, `sandbox.${r.limit}`);
  }

  function checkBudget(): void {
    const over = budget.exceeded();
    if (over) throw new Stop("escalated", `error budget exceeded: ${over}`);
  }

  async function escalate(reason: string): Promise<void> {
    const handoff = {
      whatWasTried: budget.log,
      blockingIssue: reason,
      requiredNextActions: [`a maintainer looks at the failure (${diagnosis?.summary ?? "see the run"})`, `re-enable agent ${agentId} for ${req.repo} once the cause is understood`],
      artifacts: { runId, ledger: `sentinel audit export --run ${runId}` },
    };
    await deps.runs.setRunFields(runId, { handoff });
    if (budget.exceeded()) await deps.runs.revokeAgent(req.forge, req.repo, agentId as string, reason, runId);
    await deps.runs.record(runId, "escalated", { reason, revoked: Boolean(budget.exceeded()), agent: agentId });
    log.warn({ agent: agentId, reason }, "fix run escalated to a human");
  }

  async function finish(outcome: FixOutcome): Promise<FixOutcome> {
    phaseMs[currentPhase] = (phaseMs[currentPhase] ?? 0) + (Date.now() - phaseStarted);
    const status = outcome.status === "proposed" || outcome.status === "pushed" ? "succeeded" : outcome.status === "error" ? "failed" : outcome.status;
    await deps.runs.finishRun(runId, status, { ...outcome, phaseMs });
    await deps.runs.record(runId, "run.finished", { status: outcome.status, reason: outcome.reason });
    deps.live?.publish(runId, { kind: "end", status: outcome.status, reason: outcome.reason });
    return { ...outcome, phaseMs };
  }
}

/** Where a failure's fix is pushed: one branch per fingerprint, so a repeat updates one pull request. */
export function fixBranchName(d: Diagnosis): string {
  return `sentinel/fix-${d.fingerprint.replace(/^sfp1-/, "")}`;
}

/** Where a forge keeps a pull/merge request's head, fetched into the mirror under refs/sentinel/. */
function pullRequestRefspec(forge: FixForge["forge"], number: number): string | null {
  if (forge === "github") return `+refs/pull/${number}/head:refs/sentinel/pull/${number}`;
  if (forge === "gitlab") return `+refs/merge-requests/${number}/head:refs/sentinel/pull/${number}`;
  return null;
}

/** A GitHub step header `Run npx eslint .` names the command that failed. */
export function commandFromStep(d: Diagnosis): string[] | null {
  const name = d.step?.name;
  if (!name || !name.startsWith("Run ")) return null;
  const cmd = name.slice(4).trim();
  // A step that runs an action (`Run actions/setup-node@v4`) is not a command.
  if (!cmd || /^[\w.-]+\/[\w.-]+@/.test(cmd) || cmd.includes("\n")) return null;
  return ["sh", "-c", cmd];
}

function lastLine(output: string): string {
  return output.trim().split("\n").pop()?.slice(0, 300) ?? "";
}
