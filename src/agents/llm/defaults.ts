// The llm-patch agent's deployment-wide defaults, apart from the client so the env schema can read
// them without loading the OpenAI package.

/** Model calls one run may make before it hands off. */
export const DEFAULT_LLM_MAX_TURNS = 8;
/** Model runs one installation may start per UTC day, across its repositories. */
export const DEFAULT_LLM_MAX_RUNS_PER_DAY_PER_INSTALLATION = 200;
