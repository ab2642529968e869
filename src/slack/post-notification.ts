// Posting one notification: validated first, and never thrown, since Slack being down must not break a fix run.
import type { Logger } from "pino";
import type { webApi } from "@slack/bolt";
import { z } from "zod";
import { isRunId } from "./actions.js";
import { renderNotification } from "./blocks.js";
import { describeSlackError } from "./handle-press.js";
import type { SlackNotification } from "./types.js";

const notificationSchema = z.object({
  event: z.enum(["fix-opened", "approval-needed", "revoked", "escalated", "freeze-blocked", "rerun"]),
  channel: z.string().min(1).max(81).regex(/^\S+$/, "a channel name or id has no spaces"),
  repo: z.string().min(1).max(300),
  title: z.string().min(1).max(10_000),
  text: z.string().max(200_000),
  url: z.string().nullable().optional(),
  runId: z.string().optional(),
  fields: z
    .array(z.object({ label: z.string().max(1000), value: z.string().max(10_000) }))
    .max(100)
    .optional(),
});

export interface NotifyContext {
  /** A client holding the bot token. */
  readonly web: webApi.WebClient;
  readonly logger: Logger;
  /** Keeps the post among the work `close()` waits for. */
  readonly track: <T>(work: Promise<T>) => Promise<T>;
  readonly isClosed: () => boolean;
}

/** Posts `n`; returns where it went, or null (logged) when it is invalid, Slack is closed, or Slack refused it. */
export async function postNotification(
  ctx: NotifyContext,
  n: SlackNotification,
): Promise<{ channel: string; ts: string } | null> {
  const { logger } = ctx;
  const parsed = notificationSchema.safeParse(n);
  if (!parsed.success) {
    logger.warn(
      { event: n?.event, issues: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) },
      "Slack notification not sent: it is not valid",
    );
    return null;
  }
  if (ctx.isClosed()) {
    logger.warn({ event: n.event }, "Slack notification not sent: Slack is closed");
    return null;
  }
  if (n.event === "approval-needed" && !isRunId(n.runId))
    logger.warn({ repo: n.repo }, "approval-needed notification without a valid run id: posted without buttons");
  const { text, blocks } = renderNotification(n);
  try {
    const result = await ctx.track(
      ctx.web.chat.postMessage({ channel: n.channel, text, blocks, unfurl_links: false, unfurl_media: false }),
    );
    if (typeof result.channel === "string" && typeof result.ts === "string")
      return { channel: result.channel, ts: result.ts };
    logger.warn(
      { event: n.event, channel: n.channel },
      "Slack accepted a notification but said neither channel nor ts",
    );
    return null;
  } catch (error) {
    logger.warn(
      { event: n.event, channel: n.channel, repo: n.repo, slackError: describeSlackError(error) },
      "Slack refused a notification",
    );
    return null;
  }
}
