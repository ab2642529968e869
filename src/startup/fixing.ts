import path from "node:path";
import type { Logger } from "pino";
import { llmSettingsFromEnv } from "../agents/index.js";
import type { ParsedEnv } from "../config/index.js";
import type { FixEnvironment } from "../pipeline/index.js";
import type { LiveFeed } from "../live/index.js";
import type { redisLeases } from "../pipeline/index.js";
import {
  describeLimitEnforcement,
  detectSandbox,
  detectToolchains,
  egressFromEnv,
  limitsFromEnv,
} from "../sandbox/index.js";
import { MirrorCache } from "../workspace/index.js";

type FixingEnv = Pick<
  ParsedEnv,
  | "SENTINEL_WORK_DIR"
  | "SENTINEL_SANDBOX"
  | "SENTINEL_EGRESS_ALLOW"
  | "SENTINEL_EGRESS_ALLOW_PRIVATE"
  | "npm_config_registry"
  | "NPM_CONFIG_REGISTRY"
  | "PIP_INDEX_URL"
  | "PIP_EXTRA_INDEX_URL"
  | "GOPROXY"
  | "CARGO_REGISTRIES"
  | "SENTINEL_STEP_MEMORY_MB"
  | "SENTINEL_STEP_PIDS"
  | "SENTINEL_STEP_TMP_MB"
  | "SENTINEL_STEP_DISK_MB"
  | "SENTINEL_RUN_DEADLINE_S"
  | "SENTINEL_CGROUP_ROOT"
  | "SENTINEL_LLM_BASE_URL"
  | "SENTINEL_LLM_API_KEY"
  | "SENTINEL_LLM_MODEL"
  | "SENTINEL_LLM_PRICE_IN_PER_1K"
  | "SENTINEL_LLM_PRICE_OUT_PER_1K"
  | "SENTINEL_LLM_MAX_TURNS"
  | "SENTINEL_LLM_MAX_RUNS_PER_DAY_PER_INSTALLATION"
>;

type Leases = Awaited<ReturnType<typeof redisLeases>>;

/** The sandbox's variables as the environment gave them, for the sandbox's own readers. */
function sandboxEnv(config: FixingEnv): NodeJS.ProcessEnv {
  const asText = (n: number | undefined) => (n === undefined ? undefined : String(n));
  return {
    SENTINEL_EGRESS_ALLOW: config.SENTINEL_EGRESS_ALLOW,
    SENTINEL_EGRESS_ALLOW_PRIVATE: config.SENTINEL_EGRESS_ALLOW_PRIVATE,
    npm_config_registry: config.npm_config_registry,
    NPM_CONFIG_REGISTRY: config.NPM_CONFIG_REGISTRY,
    PIP_INDEX_URL: config.PIP_INDEX_URL,
    PIP_EXTRA_INDEX_URL: config.PIP_EXTRA_INDEX_URL,
    GOPROXY: config.GOPROXY,
    ...config.CARGO_REGISTRIES,
    SENTINEL_STEP_MEMORY_MB: asText(config.SENTINEL_STEP_MEMORY_MB),
    SENTINEL_STEP_PIDS: asText(config.SENTINEL_STEP_PIDS),
    SENTINEL_STEP_TMP_MB: asText(config.SENTINEL_STEP_TMP_MB),
    SENTINEL_STEP_DISK_MB: asText(config.SENTINEL_STEP_DISK_MB),
    SENTINEL_RUN_DEADLINE_S: asText(config.SENTINEL_RUN_DEADLINE_S),
    SENTINEL_CGROUP_ROOT: config.SENTINEL_CGROUP_ROOT,
  };
}

/**
 * What fix pipelines run with: mirrors and worktrees under SENTINEL_WORK_DIR, the sandbox, and
 * (for a process that runs jobs) the egress allowlist and step limits. These are read at start,
 * so a bad value stops the worker with the variable's name instead of failing every run.
 */
export function fixingFromConfig(
  config: FixingEnv,
  o: { runsJobs: boolean; logger: Logger; live: LiveFeed; leases: Leases | null },
): FixEnvironment {
  const workDir = config.SENTINEL_WORK_DIR;
  const sandbox = detectSandbox();
  const sandboxPolicy = config.SENTINEL_SANDBOX;
  if (sandbox === "none") {
    const consequence =
      sandboxPolicy === "required" ? "fix pipelines will refuse to run" : "fixers run with a scrubbed environment only";
    o.logger.warn({ policy: sandboxPolicy }, `NO SANDBOX (bubblewrap): ${consequence}`);
  }
  const env = sandboxEnv(config);
  const stepLimits = o.runsJobs ? limitsFromEnv(env) : null;
  const egress = o.runsJobs ? egressFromEnv(env) : null;
  if (stepLimits && egress) {
    const allow = egress.allow.map((r) => `${r.wildcard ? "*." : ""}${r.host}${r.port ? `:${r.port}` : ""}`);
    const enforcement = describeLimitEnforcement(stepLimits.cgroupRoot, sandbox);
    const { limits, runDeadlineMs } = stepLimits;
    o.logger.info({ egress: allow, limits, runDeadlineMs, enforcement }, "fixer steps: egress allowlist and limits");
  }
  // Read at start: an endpoint without a model stops the worker naming the variable.
  const llm = llmSettingsFromEnv(config);
  if (llm && o.runsJobs)
    o.logger.info(
      { endpoint: llm.baseURL, model: llm.model, maxTurns: llm.maxTurns },
      "llm-patch agent: on for repositories with llm.enabled",
    );
  return {
    mirrors: new MirrorCache(path.join(workDir, "mirrors")),
    workRoot: path.join(workDir, "worktrees"),
    dependencyCacheDir: path.join(workDir, "dependency-cache"),
    sandbox,
    sandboxPolicy,
    toolchains: detectToolchains(),
    live: o.live,
    ...(o.leases ? { leases: o.leases } : {}),
    ...(egress ? { egress } : {}),
    ...(stepLimits ? { limits: stepLimits.limits, runDeadlineMs: stepLimits.runDeadlineMs } : {}),
    ...(stepLimits?.cgroupRoot ? { cgroupRoot: stepLimits.cgroupRoot } : {}),
    ...(llm ? { llm } : {}),
  };
}
