import type { Logger } from "pino";
import { createSlack } from "./create-slack.js";
import type { Slack, SlackDeps } from "./types.js";

/** Slack when SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN are both set; otherwise null, said once at info. */
export function slackFromEnv(
  env: NodeJS.ProcessEnv,
  logger: Logger,
  onDecision: SlackDeps["onDecision"],
): Slack | null {
  const signingSecret = env.SLACK_SIGNING_SECRET?.trim();
  const botToken = env.SLACK_BOT_TOKEN?.trim();
  if (!signingSecret || !botToken) {
    // Names only, never values.
    const missing = [!signingSecret && "SLACK_SIGNING_SECRET", !botToken && "SLACK_BOT_TOKEN"].filter(Boolean);
    logger.info({ missing }, "Slack is off (SLACK_SIGNING_SECRET / SLACK_BOT_TOKEN unset)");
    return null;
  }
  // SLACK_API_URL points the Web API client at a stand-in (the demo, tests); Slack's own otherwise.
  const apiUrl = env.SLACK_API_URL?.trim();
  return createSlack({ signingSecret, botToken, logger, onDecision, ...(apiUrl ? { apiUrl } : {}) });
}
