import { z } from "zod";
import { modeSchema, notifySchema, policySchema, type Mode } from "../policy/index.js";
import { capProblems, formatFileProblem, moreProblems, type FileProblem, type Locate } from "../sentinel/index.js";

/** Logs are read up to this many bytes unless the repository says otherwise. */
export const DEFAULT_MAX_LOG_BYTES = 64 * 1024 * 1024;
const MAX_LOG_BYTES = 1024 * 1024 * 1024;
const FIX_CATEGORIES = [
  "lint",
  "format",
  "typecheck",
  "test",
  "build",
  "dependency",
  "timeout",
  "oom",
  "infra",
  "security",
  "unknown",
] as const;

/** The llm-patch agent's defaults: the categories recipes rarely fix, and a modest budget. */
const DEFAULT_LLM_CATEGORIES = ["test", "typecheck", "build", "lint"] as const;
export const DEFAULT_LLM_MAX_TOKENS_PER_RUN = 60_000;
export const DEFAULT_LLM_MAX_RUNS_PER_DAY = 20;

/**
 * `.github/sentinel.yml` / `.gitlab/sentinel.yml`: what Sentinel applies to a repository. Read
 * from the default branch only, so a pull request cannot change what Sentinel does to it.
 */
export const repoConfigSchema = z
  .strictObject({
    mode: modeSchema
      .optional()
      .describe(
        "What Sentinel may do: diagnose (report only, the default), shadow (run fixes to VERIFY and say what it would change, write nothing), propose (open verified fix pull requests), push (commit verified fixes onto a same-repository pull request's own branch, where the agent's tier allows).",
      ),
    policy: policySchema
      .prefault({})
      .describe("The rules every fix passes before anything is written (docs/policy.md)."),
    notify: notifySchema.prefault({}).describe("Where Sentinel tells people what it did (Slack channels per event)."),
    sentinels: z
      .strictObject({
        files: z
          .array(z.string().min(1).max(500))
          .max(20)
          .default([])
          .describe(
            "Sentinel rule files in this repository (YAML, JSON or problem matchers), read from the default branch.",
          ),
        disable: z
          .array(z.string().min(1).max(64))
          .max(200)
          .default([])
          .describe("Ids of builtin sentinels to turn off."),
      })
      .default({ files: [], disable: [] }),
    logs: z
      .strictObject({
        maxBytes: z
          .number()
          .int()
          .min(1024)
          .max(MAX_LOG_BYTES)
          .default(DEFAULT_MAX_LOG_BYTES)
          .describe("Stop reading a job log after this many bytes; the diagnosis says it was truncated."),
      })
      .default({ maxBytes: DEFAULT_MAX_LOG_BYTES }),
    report: z
      .strictObject({
        checkRun: z
          .boolean()
          .default(true)
          .describe("Publish a check run (GitHub) or commit status (GitLab) per diagnosed failure."),
        comment: z.boolean().default(true).describe("Keep one sticky comment on the pull/merge request."),
      })
      .default({ checkRun: true, comment: true }),
    fix: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe("Shorthand for `mode: propose` when `mode` is not set (off until you opt in)."),
        recipes: z
          .array(z.string().min(1).max(500))
          .max(20)
          .default([])
          .describe("Recipe files of your own (docs/agents.md); one with a builtin's id replaces it."),
        disable: z.array(z.string().min(1).max(64)).max(100).default([]).describe("Ids of builtin recipes not to use."),
        categories: z
          .partialRecord(z.enum(FIX_CATEGORIES), z.array(z.string().min(1).max(64)).max(50))
          .default({})
          .describe(
            "Per failure category, the agent ids (globs) that may fix it; [] means never fixed. A category not listed may be fixed by any enabled agent.",
          ),
      })
      .default({ enabled: false, recipes: [], disable: [], categories: {} }),
    llm: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe(
            "Let the llm-patch agent (a language model behind SENTINEL_LLM_BASE_URL) try fixes the recipes cannot make, for located failures only. Off until you opt in; its fixes start at tier T0 (shadow) and need an approval (policy.approval.modelWritten) (docs/agents.md).",
          ),
        categories: z
          .array(z.enum(FIX_CATEGORIES))
          .max(FIX_CATEGORIES.length)
          .default([...DEFAULT_LLM_CATEGORIES])
          .describe("The failure categories the model may try to fix."),
        maxTokensPerRun: z
          .number()
          .int()
          .min(1_000)
          .max(2_000_000)
          .default(DEFAULT_LLM_MAX_TOKENS_PER_RUN)
          .describe("Input plus output tokens one run may spend before it stops and hands off."),
        maxRunsPerDay: z
          .number()
          .int()
          .min(0)
          .max(10_000)
          .default(DEFAULT_LLM_MAX_RUNS_PER_DAY)
          .describe("Model runs this repository may start per UTC day; 0 stops them."),
      })
      .prefault({})
      .describe("The llm-patch agent: model-written fixes, tried only after the recipes."),
    ignore: z
      .strictObject({
        jobs: z
          .array(z.string().min(1).max(200))
          .max(100)
          .default([])
          .describe("Globs on job names Sentinel leaves alone."),
      })
      .default({ jobs: [] }),
  })
  .describe("Sentinel's repository configuration.");

export type RepoConfig = z.infer<typeof repoConfigSchema>;

/** What the repository lets Sentinel do: `mode`, or `propose` for the older `fix.enabled: true`. */
export function effectiveMode(config: RepoConfig): Mode {
  return config.mode ?? (config.fix.enabled ? "propose" : "diagnose");
}

export const DEFAULT_REPO_CONFIG: RepoConfig = repoConfigSchema.parse({});

/**
 * Validates a parsed config value: the config, or the safe defaults plus what is wrong, located
 * with `locate` where the value came with positions (raw YAML) and by its path otherwise.
 */
export function validateRepoConfig(
  value: unknown,
  file: string,
  locate: Locate = () => ({}),
): { config: RepoConfig; problems: FileProblem[] } {
  if (value === undefined || value === null) return { config: DEFAULT_REPO_CONFIG, problems: [] };
  // `_extends` is resolved by the loader before this runs; whatever remains of it is not ours.
  const own =
    typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).filter(([k]) => k !== "_extends"))
      : value;
  const parsed = repoConfigSchema.safeParse(own);
  if (parsed.success) return { config: parsed.data, problems: [] };
  const issues = capProblems<z.core.$ZodIssue | FileProblem>(parsed.error.issues, (left) => moreProblems(file, left));
  return {
    config: DEFAULT_REPO_CONFIG,
    problems: issues.map((i) =>
      "file" in i
        ? i
        : {
            file,
            ...locate(i.path),
            code: "E_CONFIG_SCHEMA",
            message: `${i.path.length ? i.path.join(".") + ": " : ""}${i.message}`,
          },
    ),
  };
}

/** As `validateRepoConfig`, with the problems as `file:line: CODE: message` strings. */
export function parseRepoConfig(value: unknown, file: string): { config: RepoConfig; errors: string[] } {
  const { config, problems } = validateRepoConfig(value, file);
  return { config, errors: problems.map(formatFileProblem) };
}
