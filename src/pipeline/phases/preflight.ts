import { commandLine } from "../../core/index.js";
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { MAX_PACKAGE_JSON_BYTES, selectAgent, selectModelFallback, type AgentContext } from "../../agents/index.js";
import type { Diagnosis } from "../../sentinel/index.js";
import { createWorktree, fileInWorktree, type Worktree } from "../../workspace/index.js";
import { forgeAdapter, type FixForge } from "../../forge/index.js";
import type { PhaseResult, RunContext } from "../run-context.js";
import { prepareDependencies, writeFixerNpmrc } from "../prepare-dependencies.js";
import { askGate, blamedPaths } from "../run-gate.js";
import { RunStop } from "../run-stop.js";
import { classifyRun, stopAtLimit } from "../worktree-commands.js";

/**
 * PREFLIGHT: before any fixer runs. The sandbox is there (or the policy runs without one), a
 * fork's code is fetched only once its gate allows, the worktree is checked out, the failure is
 * diagnosed here when ingestion did not, an agent is chosen, and the policy decides (mode, tier,
 * forks, confidence, loops, cooldowns, freezes, rate limits, approval).
 */
export async function preflight(ctx: RunContext): Promise<PhaseResult> {
  const { deps, req, runId } = ctx;
  // With a policy, its `policy.forks` decides at the gate (diagnose only, or wait for a maintainer).
  if (req.fromFork && !deps.gate)
    throw new RunStop(
      "diagnose-only",
      "the pull request comes from a fork: Sentinel diagnoses it but does not push fixes",
      "policy.forks",
    );
  if (deps.sandbox === "none") {
    if (deps.sandboxPolicy === "required")
      throw new RunStop("no-sandbox", "no sandbox (bubblewrap) is available and the policy requires one");
    ctx.log.warn("NO SANDBOX: fixer commands run with only a scrubbed environment, as the policy allows");
    await deps.runs.record(runId, "sandbox.missing", { policy: deps.sandboxPolicy });
  }
  // A fork's code is fetched only once the policy allows running a fixer on it (policy.forks,
  // and a maintainer's approval): until then not one of its objects enters the mirror.
  if (req.fromFork) {
    if (!req.diagnosis)
      throw new RunStop("policy", "a fork's failure is fixed only from its diagnosis", "policy.forks");
    await askGate(ctx, "fork", "", 0, req.diagnosis, []);
  }
  const wt = await prepareWorkspace(ctx);
  const d = ctx.diagnosis ?? (await diagnoseHere(ctx));
  // Only a command the caller vouches for: one CI itself reported, or the CLI user's. A `Run …`
  // header in a log is text anything the job printed could have forged.
  const context: AgentContext = {
    diagnosis: d,
    fileExists: (p) => fileInWorktree(wt.path, p),
    failingCommand: req.failingCommand ?? null,
    readFile: (p) => readWorktreeText(wt.path, p),
  };
  const revoked = new Set(await deps.runs.revokedAgents(req.forge, req.repo));
  const enabled = deps.agents.filter((a) => !revoked.has(a.id));
  const chosen = selectAgent(enabled, context, deps.minConfidence ?? 0.3);
  if (!chosen) {
    const revokedHint = revoked.size > 0 ? ` (revoked here: ${[...revoked].join(", ")})` : "";
    const declined = deps.agents
      .flatMap((a) => {
        const why = a.declined?.(context);
        return why ? [`${a.id}: ${why}`] : [];
      })
      .join("; ");
    throw new RunStop(
      "no-agent",
      `no enabled agent handles a ${d.category} failure${d.tool ? ` of ${d.tool}` : ""}${revokedHint}${declined ? ` (${declined})` : ""}`,
    );
  }
  ctx.chosen = { agent: chosen.agent, confidence: chosen.confidence, context };
  if (!chosen.agent.model) {
    const fallback = selectModelFallback(enabled, context, deps.minConfidence ?? 0.3);
    ctx.modelFallback = fallback ? { ...fallback, context } : null;
  }
  // The policy decides before any fixer runs: mode and tier, forks, confidence, loops, cooldowns,
  // freezes, rate limits, approval.
  await askGate(ctx, "preflight", chosen.agent.id, chosen.confidence, d, blamedPaths(d));
  await prepareForVerify(ctx);
  return { next: "PLAN" };
}

/** The mirror, a fork's pull request ref, the dependency cache, HOME, and the worktree at the failing commit. */
async function prepareWorkspace(ctx: RunContext): Promise<Worktree> {
  const { deps, req, runId } = ctx;
  const mirror = await deps.mirrors.ensure(deps.forge.remote, [], { commit: req.sha });
  deps.runs.note(runId, "workspace.mirror", { cold: mirror.cold, ms: mirror.durationMs });
  if (req.fromFork) {
    // A fork's commits are on no branch of this repository, only under its pull request's ref.
    const prRef =
      req.prNumber && Number.isInteger(req.prNumber) ? pullRequestRefspec(deps.forge.forge, req.prNumber) : null;
    if (!prRef)
      throw new RunStop(
        "policy",
        "a fork's failure is fixed only on its pull request, and this one names none",
        "policy.forks",
      );
    await deps.mirrors.fetchRefs(deps.forge.remote, [prRef]);
  }
  const runRoot = path.join(deps.workRoot, runId);
  // A repository's fixers share a dependency cache across runs, keyed by the repository's id; a
  // fork's code gets one of its own for this run only, so it cannot poison what the base
  // repository's later runs install.
  const cache = !deps.dependencyCacheDir
    ? null
    : req.fromFork
      ? path.join(runRoot, "dependency-cache")
      : path.join(
          deps.dependencyCacheDir,
          createHash("sha256")
            .update(`${req.forge}:${req.repoId ?? req.repo}`)
            .digest("hex")
            .slice(0, 20),
        );
  if (cache) await mkdir(cache, { recursive: true });
  const cacheEnv: Record<string, string> = cache
    ? {
        npm_config_cache: path.join(cache, "npm"),
        YARN_CACHE_FOLDER: path.join(cache, "yarn"),
        // yarn 2+ keeps its cache under its global folder (enableGlobalCache), not YARN_CACHE_FOLDER.
        YARN_GLOBAL_FOLDER: path.join(cache, "yarn-berry"),
        PIP_CACHE_DIR: path.join(cache, "pip"),
      }
    : {};
  ctx.command.env = { ...(deps.toolEnv ?? {}), ...cacheEnv };
  ctx.command.writable = cache ? [cache] : [];
  if (cache) ctx.command.cacheDir = cache;
  // The fixers' HOME lives beside the worktree, not in it: a repository cannot ship files into it.
  ctx.command.home = path.join(runRoot, "home");
  await writeFixerNpmrc(ctx.command.home);
  // The worktree goes into a folder named after the run, recorded before it exists: a worker that
  // dies while git creates it (or before its path is recorded) leaves nothing the next run or the
  // janitor cannot find and remove.
  const runDir = { dir: runRoot, mirrorDir: mirror.gitDir };
  ctx.runDir = runDir;
  await deps.runs.record(runId, "workspace.creating", runDir);
  const worktree = await createWorktree(mirror.gitDir, req.sha, runDir.dir);
  ctx.worktree = worktree;
  deps.runs.note(runId, "workspace.worktree", {
    path: worktree.path,
    gitDir: worktree.gitDir,
    mirrorDir: worktree.mirrorDir,
  });
  return worktree;
}

/** Without a diagnosis from ingestion, the failing command is run here to get one (timed as DIAGNOSE). */
async function diagnoseHere(ctx: RunContext): Promise<Diagnosis> {
  const { deps, req, runId, clock } = ctx;
  if (!req.failingCommand?.length) throw new RunStop("error", "nothing to fix: no diagnosis and no failing command");
  // The worktree as the repository's CI has it when the command runs: its dependencies installed.
  await prepareDependencies(ctx, req.failingCommand);
  const started = Date.now();
  const diagnosed = await classifyRun(ctx, req.failingCommand, { step: "diagnose" });
  stopAtLimit("diagnose", diagnosed.result);
  const diagnosis = diagnosed.diagnosis;
  ctx.diagnosis = diagnosis;
  clock.phaseMs.DIAGNOSE = Date.now() - started;
  // Diagnosing happens inside PREFLIGHT; it is reported on its own, not twice.
  clock.startedAt += clock.phaseMs.DIAGNOSE;
  deps.runs.note(runId, "diagnosis", {
    category: diagnosis.category,
    tool: diagnosis.tool,
    fingerprint: diagnosis.fingerprint,
    summary: diagnosis.summary,
    // No sentinel knew the output: what the command printed last is where a person starts.
    ...(diagnosis.category === "unknown" ? { lastLines: lastLines(diagnosis, diagnosed.result.output) } : {}),
  });
  if (diagnosis.status !== "failed")
    throw new RunStop("nothing-to-fix", `\`${commandLine(req.failingCommand)}\` passes at ${req.sha.slice(0, 7)}`);
  return diagnosis;
}

/** A file of the worktree as text, for an agent (package.json): null when absent, outside it or too large. */
function readWorktreeText(root: string, relative: string): string | null {
  if (!fileInWorktree(root, relative)) return null;
  const file = path.join(root, relative);
  try {
    if (statSync(file).size > MAX_PACKAGE_JSON_BYTES) return null;
    return readFileSync(file, "utf8");
  } catch {
    // A directory, or gone since: there is no text to read.
    return null;
  }
}

/**
 * A diagnosis from ingestion skipped DIAGNOSE, but VERIFY re-runs the failing command (or the
 * agent's own check): what that command needs is installed once the policy has allowed the run.
 */
async function prepareForVerify(ctx: RunContext): Promise<void> {
  const chosen = ctx.chosen;
  const verifyCommand = chosen?.agent.verifyCommand(chosen.context) ?? ctx.req.failingCommand;
  if (verifyCommand?.length) await prepareDependencies(ctx, verifyCommand);
}

/** The lines that looked like errors, else the output's last 20 lines. */
function lastLines(d: Diagnosis, output: string): string[] {
  if (d.lastErrorLines.length > 0) return d.lastErrorLines.map((l) => l.text);
  return output.replace(/\n+$/, "").split("\n").slice(-20);
}

/** Where a forge keeps a pull/merge request's head, fetched into the mirror under refs/sentinel/. */
function pullRequestRefspec(forge: FixForge["forge"], number: number): string | null {
  return forgeAdapter(forge).pullRequestRefspec(number);
}
