import { createNodeMiddleware, createProbot, type Probot } from "probot";
import type { ParsedEnv } from "../config/index.js";
import type { IngestDeps } from "../ingest/index.js";
import { createGithubWebhookApp } from "../forge/index.js";
import { verifiedGithubBody, type Middleware } from "../server/index.js";
import { ingestForRoutes } from "./ingest-io.js";

type GithubEnv = Pick<
  ParsedEnv,
  | "APP_ID"
  | "PRIVATE_KEY"
  | "WEBHOOK_SECRET"
  | "GHE_HOST"
  | "GHE_PROTOCOL"
  | "LOG_LEVEL"
  | "LOG_FORMAT"
  | "LOG_LEVEL_IN_STRING"
  | "LOG_MESSAGE_KEY"
  | "SENTRY_DSN"
>;

/** The variables Probot reads itself, as the environment gave them (Probot fills in its own defaults). */
function probotEnv(config: GithubEnv): NodeJS.ProcessEnv {
  const given: Record<string, string | number | undefined> = {
    APP_ID: config.APP_ID,
    PRIVATE_KEY: config.PRIVATE_KEY,
    WEBHOOK_SECRET: config.WEBHOOK_SECRET,
    GHE_HOST: config.GHE_HOST,
    GHE_PROTOCOL: config.GHE_PROTOCOL,
    LOG_LEVEL: config.LOG_LEVEL,
    LOG_FORMAT: config.LOG_FORMAT,
    LOG_LEVEL_IN_STRING: config.LOG_LEVEL_IN_STRING,
    LOG_MESSAGE_KEY: config.LOG_MESSAGE_KEY,
    SENTRY_DSN: config.SENTRY_DSN,
  };
  // REDIS_URL stays out: Probot would use it for its own rate limiting, which Sentinel does not want.
  return Object.fromEntries(
    Object.entries(given)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, String(v)]),
  );
}

/** The GitHub App when APP_ID, PRIVATE_KEY and WEBHOOK_SECRET are all set; otherwise off, said once. */
export async function startGithubApp(
  config: GithubEnv,
  deps: IngestDeps,
): Promise<{ probot: Probot | null; github?: Middleware }> {
  if (config.APP_ID === undefined || !config.PRIVATE_KEY || !config.WEBHOOK_SECRET) {
    const missing = (["APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET"] as const).filter((k) => config[k] === undefined);
    deps.logger.warn({ missing }, "GitHub App not configured: GitHub webhooks are off");
    return { probot: null };
  }
  const probot = createProbot({ env: probotEnv(config) });
  const github = (await createNodeMiddleware(
    createGithubWebhookApp(deps, { ingest: ingestForRoutes(deps), verifiedBody: verifiedGithubBody }),
    { probot },
  )) as Middleware;
  return { probot, github };
}
