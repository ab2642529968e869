export type { NotifyEvent, Slack, SlackDecision, SlackDeps, SlackNotification } from "./types.js";
export { createSlack, MAX_SLACK_BODY, SLACK_EVENTS_PATH, SLACK_INTERACTIONS_PATH } from "./create-slack.js";
export { slackFromEnv } from "./from-env.js";
export { APPROVE_ACTION, DENY_ACTION, isRunId } from "./actions.js";
