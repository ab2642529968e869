import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";

export type NotifyEvent = "fix-opened" | "approval-needed" | "revoked" | "escalated" | "freeze-blocked" | "rerun";

export interface SlackNotification {
  readonly event: NotifyEvent;
  /** "#ci" or a channel id. */
  readonly channel: string;
  /** "owner/name". */
  readonly repo: string;
  /** One line. */
  readonly title: string;
  /** A few lines of plain text; escaped for mrkdwn here, so callers pass it raw. */
  readonly text: string;
  /** Link to the PR / run; only http(s) urls are linked. */
  readonly url?: string | null;
  /** approval-needed: the Approve/Deny buttons carry it. */
  readonly runId?: string;
  readonly fields?: ReadonlyArray<{ label: string; value: string }>;
}

export interface SlackDecision {
  readonly runId: string;
  readonly decision: "approve" | "deny";
  readonly slackUserId: string;
  readonly slackUserName: string | null;
}

export interface SlackDeps {
  readonly signingSecret: string;
  readonly botToken: string;
  readonly logger: Logger;
  /** Called when someone presses Approve/Deny; Sentinel checks the approver against the repo's policy and resumes or cancels the run. The message says what happened. */
  readonly onDecision: (d: SlackDecision) => Promise<{ ok: boolean; message: string }>;
  /** For tests: Slack Web API base url (default https://slack.com/api/). */
  readonly apiUrl?: string;
}

export interface Slack {
  /** Handles POST /api/slack/events (Events API url_verification + events) and POST /api/slack/interactions (block actions); anything else under /api/slack/ → 404. */
  readonly middleware: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;
  /** Posts a notification; returns where it went, or null when Slack refused (logged, never thrown: Slack being down must not break a fix run). */
  notify(n: SlackNotification): Promise<{ channel: string; ts: string } | null>;
  close(): Promise<void>;
}
