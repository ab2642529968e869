import type { Logger } from "pino";
import { silentLogger } from "../core/index.js";
import { agentsFrom, loadBuiltinRecipes, type Agent } from "../agents/index.js";
import { detectSandbox, detectToolchains, egressFromEnv, limitsFromEnv } from "../sandbox/index.js";
import { loadBuiltinRules, type RuleSet } from "../sentinel/index.js";
import type { RunStore } from "../store/index.js";
import { MirrorCache } from "../workspace/index.js";
import { LocalForge } from "../forge/index.js";
import type { FixDeps } from "./fix-types.js";

/** The mirrors' folder, or the cache itself (one the caller already started fetching into). */
export type LocalFixOptions = LocalFixBase & ({ readonly mirrorsDir: string } | { readonly mirrors: MirrorCache });

interface LocalFixBase {
  readonly runs: RunStore;
  /** The repository on disk: the remote fixes are pushed to. */
  readonly repo: string;
  readonly workRoot: string;
  readonly agents?: readonly Agent[];
  readonly rules?: RuleSet;
  readonly sandboxPolicy?: "required" | "preferred";
  readonly logger?: Logger;
  readonly leaseTtlMs?: number;
  readonly readOnlyPaths?: readonly string[];
  readonly dependencyCacheDir?: string;
  /** Where the egress allowlist and step limits are read from (SENTINEL_EGRESS_ALLOW, SENTINEL_STEP_*); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Everything the pipeline needs to fix a repository on this machine through the local forge:
 * builtin agents and sentinels unless given, the sandbox this machine has, its toolchains.
 */
export async function localFixDeps(o: LocalFixOptions): Promise<FixDeps> {
  const tools = detectToolchains();
  const env = o.env ?? process.env;
  const { limits, runDeadlineMs, cgroupRoot } = limitsFromEnv(env);
  return {
    runs: o.runs,
    mirrors: "mirrors" in o ? o.mirrors : new MirrorCache(o.mirrorsDir),
    workRoot: o.workRoot,
    forge: new LocalForge(o.runs, o.repo),
    agents: o.agents ?? agentsFrom((await loadBuiltinRecipes()).recipes, []),
    rules: o.rules ?? (await loadBuiltinRules()),
    sandbox: detectSandbox(),
    sandboxPolicy: o.sandboxPolicy ?? "preferred",
    logger: o.logger ?? silentLogger(),
    readOnlyPaths: [...tools.readOnlyPaths, ...(o.readOnlyPaths ?? [])],
    toolEnv: tools.env,
    // The same egress allowlist and limits as a worker's: a laptop's fix runs repository code too.
    egress: egressFromEnv(env),
    limits,
    runDeadlineMs,
    ...(cgroupRoot ? { cgroupRoot } : {}),
    ...(o.leaseTtlMs ? { leaseTtlMs: o.leaseTtlMs } : {}),
    ...(o.dependencyCacheDir ? { dependencyCacheDir: o.dependencyCacheDir } : {}),
  };
}
