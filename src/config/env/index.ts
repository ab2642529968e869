// The process environment as data: one schema for every variable, parsed once at start, and the
// README's table generated from it.
export { parseEnv, parseLlmEnv, type ParsedEnv, type LlmEnvConfig } from "./parse-env.js";
export { envSchema, ENV_PATTERNS, type EnvConfig } from "./env-schema.js";
export { renderEnvTable, withEnvTable, TABLE_START, TABLE_END } from "./env-table.js";
