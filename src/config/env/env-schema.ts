import { z } from "zod";
import {
  DEFAULT_BODY_DEADLINE_MS,
  DEFAULT_BODY_MIN_RATE,
  DEFAULT_FIX_RUNNER_LINGER_S,
  DEFAULT_STORE_LINGER_S,
} from "../../core/index.js";
import { DEFAULT_LIMITS, DEFAULT_RUN_DEADLINE_S } from "../../sandbox/index.js";
import { envDocs, type EnvDoc } from "./env-docs.js";
import { commaList, decimal, oneOf, raw, text, url, wholeNumber, withDefault, type EnvKind } from "./env-kinds.js";
import { pemKey } from "./pem-key.js";
import { DEFAULT_LLM_MAX_RUNS_PER_DAY_PER_INSTALLATION, DEFAULT_LLM_MAX_TURNS } from "../../agents/index.js";

function entry<T>(kind: EnvKind<T> & { fallback?: T }, doc: EnvDoc): z.ZodType<T, string | undefined> {
  const fallback = kind.fallback === undefined ? {} : { default: `\`${String(kind.fallback)}\`` };
  envDocs.add(kind.schema, { type: kind.type, ...fallback, ...doc });
  return kind.schema;
}

const ms = (type = "milliseconds") => wholeNumber({ min: 1, expected: "a positive number of milliseconds", type });
const price = () => decimal({ expected: "a price ≥ 0 such as 0.0005", type: "decimal ≥ 0" });
const MiB = 1024 * 1024;
const stepLimit = (unit: string) =>
  wholeNumber({ min: 1, expected: `a positive whole number${unit}`, type: `whole number ≥ 1${unit}` });

/**
 * Every environment variable Sentinel reads, in the README table's order. Start-up reads the
 * environment only through this schema (parseEnv), so a bad value stops it before anything opens.
 */
export const envSchema = z.object({
  APP_ID: entry(wholeNumber({ min: 1, expected: "the GitHub App's numeric id (its settings page shows it)" }), {
    description:
      "The GitHub App's id (register the App from `app.yml`). With `PRIVATE_KEY` and `WEBHOOK_SECRET` it turns on " +
      "GitHub webhooks at `/api/github/webhooks`; without all three they are off",
    example: "123456",
  }),
  PRIVATE_KEY: entry(pemKey(), {
    description:
      "The GitHub App's private key: its `.pem` file's contents (line breaks as is or as `\\n`, or base64-encoded)",
    errorCode: "E_ENV_PRIVATE_KEY",
  }),
  WEBHOOK_SECRET: entry(text("secret"), { description: "The GitHub App's webhook secret, which signs every delivery" }),
  GHE_HOST: entry(text("host"), {
    description: "GitHub Enterprise Server's host (and port) instead of github.com",
    example: "github.example.com",
  }),
  GHE_PROTOCOL: entry(withDefault(oneOf(["https", "http"]), "https"), { description: "How to reach `GHE_HOST`" }),
  LOG_FORMAT: entry(text(), { description: "Passed to Probot's own logger (`json` or `pretty`)" }),
  LOG_LEVEL_IN_STRING: entry(text(), { description: "Passed to Probot's own logger: `true` logs levels as words" }),
  LOG_MESSAGE_KEY: entry(text(), { description: "Passed to Probot's own logger: the message's key in each line" }),
  SENTRY_DSN: entry(text("URL"), {
    description: "Passed to Probot: errors in GitHub event handlers go to this Sentry project",
  }),
  GITLAB_WEBHOOK_SECRETS: entry(text("secret (JSON)"), {
    description:
      "Enables `/api/gitlab/webhook` with a secret per project or group, as a JSON object of project or group path " +
      "(or project id) to secret; a secret is good only for hooks naming a project in its scope (403 otherwise). " +
      "The recommended setup ([docs/operations.md](docs/operations.md#setting-up-gitlab))",
    example: '`{"group/project": "…", "group": "…"}`',
  }),
  GITLAB_WEBHOOK_SECRETS_FILE: entry(text("path"), {
    description: "A JSON file holding what `GITLAB_WEBHOOK_SECRETS` would (a mounted Kubernetes secret); not both",
  }),
  GITLAB_WEBHOOK_SECRET: entry(text("secret"), {
    description:
      "One secret for every project (also enables the endpoint; logged as a warning: any project's maintainer who " +
      "can read their hook can send hooks naming any other)",
  }),
  GITLAB_PROJECTS: entry(commaList(), {
    description:
      "Project paths or ids Sentinel serves; deliveries for other projects are ignored with the reason. Whatever " +
      "the secret, a hook's project, job, note and merge request are confirmed through the API before Sentinel acts",
    default: "every project",
    example: "`acme/app,42`",
  }),
  GITLAB_TOKEN: entry(text("secret"), {
    description: "A token with `api` scope for reading traces and writing notes and statuses",
  }),
  GITLAB_URL: entry(
    withDefault(
      url(["https", "http"], "the http(s) URL of your GitLab, e.g. https://gitlab.example.com"),
      "https://gitlab.com",
    ),
    { description: "Self-managed GitLab instead of gitlab.com", errorCode: "E_ENV_GITLAB_URL" },
  ),
  DATABASE_URL: entry(text("URL (postgres)"), {
    description: "PostgreSQL (else PGlite in `SENTINEL_DATA_DIR`); also the CLI's store",
    default: "PGlite",
    example: "`postgres://sentinel_app@db:5432/sentinel`",
  }),
  DATABASE_MIGRATION_URL: entry(text("URL (postgres)"), {
    description:
      "The schema owner's URL, used only to run migrations at start; with it, `DATABASE_URL` can be a role that may " +
      "only append to the audit ledger ([docs/hardening.md](docs/hardening.md)); unset: migrations run through " +
      "`DATABASE_URL`",
  }),
  SENTINEL_DATA_DIR: entry(withDefault(text("path"), ".sentinel/pglite"), {
    description:
      "PGlite's folder when `DATABASE_URL` is unset (`:memory:` keeps it in memory); also the CLI's (`fix`, `audit`, `tiers`), which default to `~/.sentinel/pglite`",
  }),
  SENTINEL_PGLITE_TEMPLATE: entry(text("path"), {
    description:
      "A file holding a copy of an empty PGlite cluster: in-memory databases load it instead of running initdb when the " +
      "build's migrated cluster (`dist/store/cluster-template.tar.gz`) is missing or does not load, and the first process " +
      "that finds it missing writes it (the test suite sets it; delete it after upgrading PGlite)",
  }),
  SENTINEL_STORE_LINGER_S: entry(
    withDefault(
      wholeNumber({ min: 0, expected: "a whole number of seconds (0: close with the command)" }),
      DEFAULT_STORE_LINGER_S,
    ),
    {
      description:
        "How long the CLI's store host keeps a PGlite folder open after the last command leaves, so that the next `fix`, " +
        "`audit` or `tiers` finds it open (it listens on `<folder>.sock`, this user only); 0 closes it with each command",
    },
  ),
  SENTINEL_FIX_RUNNER_LINGER_S: entry(
    withDefault(
      wholeNumber({ min: 0, expected: "a whole number of seconds (0: no warm runner)" }),
      DEFAULT_FIX_RUNNER_LINGER_S,
    ),
    {
      description:
        "How long the warm fix runner waits for the next `sentinel fix` of a data folder: it keeps a process with the " +
        "pipeline loaded, so a run skips Node's module loading (it listens on `<folder>.fix-<build>.sock`, this user only, " +
        "and runs each command in a fresh process with the command's environment and folder); 0 runs every `fix` in its own process",
    },
  ),
  REDIS_URL: entry(url(["redis", "rediss"], "a redis:// or rediss:// URL, e.g. redis://redis:6379"), {
    description: "BullMQ on Redis, and the live feed and leases shared between processes (else the in-process queue)",
    default: "in-process queue",
    example: "`redis://redis:6379`",
  }),
  SENTINEL_QUEUE_PREFIX: entry(text(), {
    description: "A key prefix, to share one Redis between deployments",
    default: "`sentinel`",
  }),
  SENTINEL_QUEUE_LOCK_MS: entry(ms(), {
    description:
      "BullMQ only: how long a worker's lock on a job lasts without renewal. A job whose worker died runs again " +
      "within about this plus `SENTINEL_QUEUE_STALLED_MS` (the faults bench shortens both)",
    default: "BullMQ's (30 000)",
  }),
  SENTINEL_QUEUE_STALLED_MS: entry(ms(), {
    description: "BullMQ only: how often workers look for jobs whose lock lapsed because their worker died",
    default: "BullMQ's (30 000)",
  }),
  SENTINEL_ROLE: entry(withDefault(oneOf(["all", "server", "worker"]), "all"), {
    description:
      "`server` (webhooks only), `worker` (queue jobs only) or `all` (both); same image, different role. " +
      "`server` and `worker` need `REDIS_URL` and `DATABASE_URL`",
  }),
  SENTINEL_WORKER_CONCURRENCY: entry(
    withDefault(wholeNumber({ min: 1, expected: "a positive whole number of jobs" }), 4),
    {
      description: "Jobs a worker runs at once",
    },
  ),
  SENTINEL_DELIVERY_RETENTION_DAYS: entry(
    withDefault(
      wholeNumber({ min: 0, expected: "a whole number of days (0 keeps deliveries forever)", type: "days" }),
      30,
    ),
    {
      description:
        "Workers delete stored webhook deliveries processed more than this many days ago, hourly (`0` keeps them). " +
        "Unprocessed ones are never deleted; failures, diagnoses, runs and the audit ledger are kept",
    },
  ),
  PORT: entry(
    withDefault(wholeNumber({ min: 0, max: 65535, expected: "a TCP port number (0 picks a free one)" }), 3000),
    {
      description: "The HTTP listener's port",
    },
  ),
  HOST: entry(withDefault(text("host"), "127.0.0.1"), {
    description: "The HTTP listener's address (`0.0.0.0` in a container)",
  }),
  LOG_LEVEL: entry(oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"]), {
    description: "The pino log level (Probot's own logger: `warn` when unset)",
    default: "`info`",
  }),
  SLACK_SIGNING_SECRET: entry(text("secret"), {
    description:
      "With `SLACK_BOT_TOKEN`: Slack notifications and Approve/Deny buttons (interactivity URL " +
      "`/api/slack/interactions`); without both Slack is off",
  }),
  SLACK_BOT_TOKEN: entry(text("secret"), { description: "The Slack app's bot token (see `SLACK_SIGNING_SECRET`)" }),
  SLACK_API_URL: entry(url(["https", "http"], "an http(s) URL"), {
    description: "Points the Slack Web API client elsewhere (tests, demos)",
    default: "Slack's",
  }),
  SENTINEL_DASHBOARD_TOKEN: entry(text("secret"), {
    description:
      "Turns on the read-only dashboard at `/dashboard` (log in with this token, or send it as a bearer token); " +
      "off when unset",
  }),
  SENTINEL_LEDGER_CHECKPOINT: entry(text("path"), {
    description:
      "A file workers append the audit ledger's chain head to every `SENTINEL_LEDGER_CHECKPOINT_INTERVAL_MS`; the " +
      "same goes to the log either way. Also what `sentinel audit` checks against",
  }),
  SENTINEL_LEDGER_CHECKPOINT_INTERVAL_MS: entry(withDefault(ms(), 60_000), {
    description: "How often workers write the ledger's checkpoint",
  }),
  SENTINEL_LEDGER_CHECKPOINT_URL: entry(url(["https", "http"], "an http(s) URL"), {
    description:
      "A collector each checkpoint is also POSTed to, a sink the workers cannot rewrite " +
      "([docs/hardening.md](docs/hardening.md))",
  }),
  SENTINEL_LEDGER_CHECKPOINT_TOKEN: entry(text("secret"), {
    description: "The bearer token sent to `SENTINEL_LEDGER_CHECKPOINT_URL`",
  }),
  SENTINEL_WORK_DIR: entry(withDefault(text("path"), ".sentinel/work"), {
    description: "Where workers keep mirrors, worktrees and the dependency cache",
  }),
  SENTINEL_SANDBOX: entry(withDefault(oneOf(["required", "preferred"]), "required"), {
    description: "`preferred` runs fixers without bubblewrap (a scrubbed environment only) where it is missing",
  }),
  SENTINEL_EGRESS_ALLOW: entry(raw("comma-separated list"), {
    description:
      "The package registries a fixer's network step may reach through the egress proxy: hosts, `*.suffix`, " +
      "`host:port` (set but empty: nothing). Loopback, link-local and metadata addresses are never reachable " +
      "([docs/sandbox.md](docs/sandbox.md))",
    default: "the registries the worker's own npm, pip, Go and cargo use",
    example: "`npm.mirror.example.com,*.pypi.example.com`",
  }),
  SENTINEL_EGRESS_ALLOW_PRIVATE: entry(raw("comma-separated CIDRs"), {
    description: "Private subnets (RFC 1918, CGNAT, ULA) of an internal registry mirror",
    default: "none",
    example: "`10.20.0.0/16`",
  }),
  npm_config_registry: entry(raw("URL"), {
    description: "The worker's npm registry, allowed by default egress (else `NPM_CONFIG_REGISTRY`, else `npm config`)",
  }),
  NPM_CONFIG_REGISTRY: entry(raw("URL"), { description: "See `npm_config_registry`" }),
  PIP_INDEX_URL: entry(raw("URLs"), { description: "pip's index, allowed by default egress" }),
  PIP_EXTRA_INDEX_URL: entry(raw("URLs"), {
    description: "pip's extra indexes (space-separated), allowed by default egress",
  }),
  GOPROXY: entry(raw("URLs"), { description: "The Go proxies, allowed by default egress" }),
  CARGO_HOME: entry(text("path"), { description: "Where the worker's cargo lives", default: "`~/.cargo`" }),
  RUSTUP_HOME: entry(text("path"), {
    description: "Where the worker's rustup toolchains live",
    default: "`~/.rustup`",
  }),
  SENTINEL_STEP_MEMORY_MB: entry(stepLimit(" (MB)"), {
    description: "A fixer step's memory; a step stopped by a limit ends the run as `resource-limit`",
    default: `\`${DEFAULT_LIMITS.memoryBytes / MiB}\``,
  }),
  SENTINEL_STEP_PIDS: entry(stepLimit(""), {
    description: "A fixer step's processes and threads",
    default: `\`${DEFAULT_LIMITS.pids}\``,
  }),
  SENTINEL_STEP_TMP_MB: entry(stepLimit(" (MB)"), {
    description: "A fixer step's `/tmp`",
    default: `\`${DEFAULT_LIMITS.tmpBytes / MiB}\``,
  }),
  SENTINEL_STEP_DISK_MB: entry(stepLimit(" (MB)"), {
    description: "What a fixer step may write to disk",
    default: `\`${DEFAULT_LIMITS.diskBytes / MiB}\``,
  }),
  SENTINEL_RUN_DEADLINE_S: entry(stepLimit(" (seconds)"), {
    description: "One deadline for a whole fix run",
    default: `\`${DEFAULT_RUN_DEADLINE_S}\``,
  }),
  SENTINEL_CGROUP_ROOT: entry(text("absolute path"), {
    description: "A delegated cgroup v2 directory to create each step's cgroup in",
  }),
  SENTINEL_TRUSTED_PROXIES: entry(commaList(), {
    description:
      "Proxies whose `X-Forwarded-For` names webhook clients (each client holds at most a quarter of the 100 MB " +
      "body budget; behind a proxy not listed, all clients share its share)",
    default: "none",
  }),
  SENTINEL_BODY_DEADLINE_MS: entry(ms(), {
    description: "A webhook body's deadline; slower clients get 408",
    default: `\`${DEFAULT_BODY_DEADLINE_MS}\``,
  }),
  SENTINEL_BODY_MIN_RATE: entry(
    wholeNumber({
      min: 0,
      expected: "a whole number of bytes per second (0 checks only the deadline)",
      type: "bytes/s",
    }),
    {
      description: "A webhook body's minimum rate after a 1 s grace; slower clients get 408",
      default: `\`${DEFAULT_BODY_MIN_RATE}\``,
    },
  ),
  SENTINEL_LLM_BASE_URL: entry(
    url(["https", "http"], "the http(s) URL of an OpenAI-compatible API, e.g. http://ollama:11434/v1"),
    {
      description:
        "The llm-patch agent's OpenAI-compatible Chat Completions endpoint (OpenAI, Azure OpenAI, OpenRouter, vLLM, " +
        "Ollama). Unset: the agent is off; set, it runs only for repositories that opt in with `llm.enabled` " +
        "([docs/agents.md](docs/agents.md#the-llm-patch-agent))",
      example: "`http://ollama:11434/v1`",
    },
  ),
  SENTINEL_LLM_API_KEY: entry(text("secret"), {
    description: "The bearer key sent to `SENTINEL_LLM_BASE_URL` (local servers such as Ollama accept any)",
  }),
  SENTINEL_LLM_MODEL: entry(text(), {
    description: "The model the llm-patch agent asks; required with `SENTINEL_LLM_BASE_URL`",
    example: "`gpt-4o-mini`",
  }),
  SENTINEL_LLM_PRICE_IN_PER_1K: entry(withDefault(price(), 0), {
    description: "What 1000 input (prompt) tokens cost, for the agent's cost accounting (any currency, used as is)",
  }),
  SENTINEL_LLM_PRICE_OUT_PER_1K: entry(withDefault(price(), 0), {
    description: "What 1000 output (completion) tokens cost, for the agent's cost accounting",
  }),
  SENTINEL_LLM_MAX_TURNS: entry(
    withDefault(wholeNumber({ min: 1, expected: "a positive whole number of model calls" }), DEFAULT_LLM_MAX_TURNS),
    { description: "Model calls one llm-patch run may make before it stops and hands off" },
  ),
  SENTINEL_LLM_MAX_RUNS_PER_DAY_PER_INSTALLATION: entry(
    withDefault(
      wholeNumber({ min: 0, expected: "a whole number of model runs (0 stops them)" }),
      DEFAULT_LLM_MAX_RUNS_PER_DAY_PER_INSTALLATION,
    ),
    {
      description:
        "Model runs one GitHub App installation (on GitLab: the whole deployment) may start per UTC day, across " +
        "its repositories; each repository's own `llm.maxRunsPerDay` applies too. A reused cached patch costs none",
    },
  ),
  NO_COLOR: entry(text(), {
    description: "The CLI prints without colour when set (as when `TERM=dumb` or not a terminal)",
  }),
  TERM: entry(text(), { description: "The CLI prints without colour when `dumb`" }),
});

export type EnvConfig = z.infer<typeof envSchema>;

/** Variables matched by pattern rather than name (each documented as one row). */
export const ENV_PATTERNS = [
  {
    pattern: /^CARGO_REGISTRIES_[A-Z0-9_]+_INDEX$/,
    name: "CARGO_REGISTRIES_<NAME>_INDEX",
    doc: { type: "URL", description: "cargo's registries, allowed by default egress" },
  },
] as const;
