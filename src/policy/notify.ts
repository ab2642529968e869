import { z } from "zod";
import { strictObject } from "./strict-object.js";

export const NOTIFY_EVENTS = [
  "fix-opened",
  "approval-needed",
  "revoked",
  "escalated",
  "freeze-blocked",
  "rerun",
] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

// Slack channel names are lowercase letters, digits, - and _ (80 at most); ids are C…/G… codes.
const channel = z.string().regex(/^(#[a-z0-9][a-z0-9_-]{0,79}|[CG][A-Z0-9]{6,30})$/, {
  error: (iss) =>
    `${JSON.stringify(iss.input)} is not a Slack channel; write "#name" (lowercase) or a channel id like C0123ABCD`,
});

// zod's types do not list it, but a partial record reports keys outside its enum as unrecognized_keys.
function unknownEvent(iss: { code?: string }): string | undefined {
  const keys = (iss as { keys?: unknown }).keys;
  if (iss.code !== "unrecognized_keys" || !Array.isArray(keys)) return undefined;
  return `unknown event${keys.length > 1 ? "s" : ""} ${keys.map((k) => JSON.stringify(k)).join(", ")}; events are ${NOTIFY_EVENTS.join(", ")}`;
}

/** The top-level `notify:` block: where Sentinel tells people what it did or needs. */
export const notifySchema = strictObject({
  slack: strictObject({
    channel: channel
      .nullable()
      .default(null)
      .describe("Default Slack channel for every event; null (the default) posts nothing to Slack."),
    routes: z
      .partialRecord(z.enum(NOTIFY_EVENTS), channel.nullable(), {
        error: unknownEvent,
      })
      .default({})
      .describe(
        `Per-event channel overrides (events: ${NOTIFY_EVENTS.join(", ")}); null keeps that event out of Slack.`,
      ),
  })
    .prefault({})
    .describe("Slack notifications."),
})
  .prefault({})
  .describe("Where Sentinel notifies people.");

export type NotifyConfig = z.infer<typeof notifySchema>;

export const DEFAULT_NOTIFY: NotifyConfig = notifySchema.parse(undefined);

/** The Slack channel an event goes to, or null when it is not posted. */
export function slackChannelFor(notify: NotifyConfig, event: NotifyEvent): string | null {
  const routes = notify.slack.routes;
  if (Object.hasOwn(routes, event)) return routes[event] ?? null;
  return notify.slack.channel;
}
