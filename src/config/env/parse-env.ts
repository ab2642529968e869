import { SentinelError, type ErrorCode } from "../../core/index.js";
import { envDocs } from "./env-docs.js";
import { ENV_PATTERNS, envSchema, type EnvConfig } from "./env-schema.js";

/** The environment as start-up uses it: every named variable parsed, and the ones matched by pattern. */
export type ParsedEnv = EnvConfig & {
  /** CARGO_REGISTRIES_<NAME>_INDEX variables, by their full name. */
  readonly CARGO_REGISTRIES: Readonly<Record<string, string>>;
};

/**
 * Parses the environment once, at start. Every bad value is reported together, each naming its
 * variable, what is wrong with the value and the form expected, so one restart fixes them all.
 */
export function parseEnv(env: NodeJS.ProcessEnv): ParsedEnv {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => ({
      name: String(issue.path[0] ?? "environment"),
      message: issue.message,
    }));
    const code = problems.map((p) => codeOf(p.name)).find((c) => c !== undefined) ?? "E_ENV_INVALID";
    throw new SentinelError(code, problems.map((p) => `${p.name} ${p.message}`).join("; "));
  }
  const config = result.data;
  if (config.SENTINEL_ROLE !== "all" && !(config.REDIS_URL && config.DATABASE_URL)) {
    // Separate server and worker processes share work only through Redis and PostgreSQL.
    throw new SentinelError(
      "E_ENV_INVALID",
      `SENTINEL_ROLE=${config.SENTINEL_ROLE} needs REDIS_URL and DATABASE_URL; ` +
        "without them run one process with SENTINEL_ROLE=all",
    );
  }
  if (config.SENTINEL_LLM_BASE_URL && !config.SENTINEL_LLM_MODEL) {
    // An endpoint alone names no model to ask; say so at start rather than at the first fix.
    throw new SentinelError("E_ENV_INVALID", "SENTINEL_LLM_BASE_URL needs SENTINEL_LLM_MODEL (the model to ask)");
  }
  return { ...config, CARGO_REGISTRIES: patternVariables(env) };
}

const LLM_KEYS = {
  SENTINEL_LLM_BASE_URL: true,
  SENTINEL_LLM_API_KEY: true,
  SENTINEL_LLM_MODEL: true,
  SENTINEL_LLM_PRICE_IN_PER_1K: true,
  SENTINEL_LLM_PRICE_OUT_PER_1K: true,
  SENTINEL_LLM_MAX_TURNS: true,
  SENTINEL_LLM_MAX_RUNS_PER_DAY_PER_INSTALLATION: true,
} as const;

export type LlmEnvConfig = Pick<EnvConfig, keyof typeof LLM_KEYS>;

/**
 * Only the llm-patch agent's variables, for a command that reads nothing else of the service's
 * environment (`sentinel fix`): a bad value is reported as parseEnv would.
 */
export function parseLlmEnv(env: NodeJS.ProcessEnv): LlmEnvConfig {
  const result = envSchema.pick(LLM_KEYS).safeParse(env);
  if (!result.success)
    throw new SentinelError(
      "E_ENV_INVALID",
      result.error.issues.map((i) => `${String(i.path[0] ?? "environment")} ${i.message}`).join("; "),
    );
  return result.data;
}

function codeOf(name: string): ErrorCode | undefined {
  const schema = envSchema.shape[name as keyof typeof envSchema.shape];
  return schema ? envDocs.get(schema)?.errorCode : undefined;
}

function patternVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value && ENV_PATTERNS.some((p) => p.pattern.test(name))) found[name] = value;
  }
  return found;
}
