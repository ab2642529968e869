import { agentsFrom, loadBuiltinRecipes, parseRecipe, type Agent, type Recipe } from "../agents/index.js";
import type { ForgeClient } from "../forge/forge-client.js";
import { loadRepoConfig } from "../config/index.js";
import { runFix, type FixOutcome, type Leases } from "../pipeline/index.js";
import type { SandboxMode, Toolchains } from "../sandbox/index.js";
import { RunStore } from "../store/index.js";
import type { MirrorCache } from "../workspace/index.js";
import { refreshStickyComments } from "./diagnose-failure.js";
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
}

/**
 * The fix job for a diagnosed failure the repository opted in to (`fix.enabled`): the governed
 * pipeline against the failing commit, a verified fix branch and pull request, and the sticky
 * comment updated to point at it.
 */
export async function fixFailure(deps: WorkerDeps, failureKey: string): Promise<FixOutcome | null> {
  const failure = await deps.store.getFailure(failureKey);
  const stored = await deps.store.getDiagnosis(failureKey);
  if (!failure || !stored) throw new Error(`failure ${failureKey} has no diagnosis to fix`);
  if (!deps.fixing) throw new Error("this worker is not set up to run fixes");
  const target = { forge: failure.forge, repo: failure.repo, repoId: failure.repoId, installationId: failure.installationId ?? null };
  const forge = await deps.forges.client(target);
  const loaded = await loadRepoConfig(forge);
  // What the repository allows is read from its default branch now, not when the job was queued.
  if (!loaded.config.fix.enabled || loaded.errors.length > 0) return null;
  const cloneUrl = typeof failure.context.cloneUrl === "string" ? failure.context.cloneUrl : null;
  if (!cloneUrl) throw new Error(`failure ${failureKey} has no clone URL`);
  const fixer = await deps.forges.fixer({ ...target, cloneUrl });
  const runs = new RunStore(deps.store.db);
  const outcome = await runFix(
    {
      runs,
      mirrors: deps.fixing.mirrors,
      workRoot: deps.fixing.workRoot,
      forge: fixer,
      agents: await repoAgents(forge, loaded.config.fix.recipes, loaded.config.fix.disable, deps),
      rules: loaded.rules,
      sandbox: deps.fixing.sandbox,
      sandboxPolicy: deps.fixing.sandboxPolicy,
      logger: deps.logger,
      readOnlyPaths: deps.fixing.toolchains.readOnlyPaths,
      toolEnv: deps.fixing.toolchains.env,
      ...(deps.fixing.leases ? { leases: deps.fixing.leases } : {}),
      ...(deps.fixing.dependencyCacheDir ? { dependencyCacheDir: deps.fixing.dependencyCacheDir } : {}),
    },
    {
      forge: failure.forge,
      repo: failure.repo,
      sha: failure.sha,
      // The fix is proposed into the branch that failed (a PR's head branch, or the default branch).
      baseBranch: failure.ref ?? (typeof failure.context.defaultBranch === "string" ? failure.context.defaultBranch : "main"),
      diagnosis: stored.diagnosis,
      failureKey,
      fromFork: failure.fromFork,
    },
  );
  deps.logger.info({ failure: failureKey, status: outcome.status, reason: outcome.reason, pr: outcome.pullRequest?.number }, "fix run finished");
  if (outcome.status === "proposed") await refreshStickyComments(deps, forge, failure, loaded);
  return outcome;
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
