import type { webApi } from "@slack/bolt";
import type { Logger } from "pino";
import { z } from "zod";
import { APPROVE_ACTION, DENY_ACTION, isRunId } from "./actions.js";
import { decisionLine, mention, renderDecided } from "./blocks.js";
import { safeMrkdwn } from "./mrkdwn.js";
import type { SlackDeps } from "./types.js";

/** The parts of a block_actions payload Sentinel uses; Bolt has verified the signature already. */
const pressSchema = z.object({
  type: z.literal("block_actions"),
  user: z.object({
    id: z.string().min(1).max(40),
    username: z.string().max(200).optional(),
    name: z.string().max(200).optional(),
  }),
  channel: z.object({ id: z.string().min(1).max(40) }).optional(),
  container: z
    .object({ channel_id: z.string().max(40).optional(), message_ts: z.string().max(40).optional() })
    .optional(),
  message: z.object({ ts: z.string().max(40), blocks: z.array(z.unknown()).max(50).optional() }).optional(),
  actions: z.array(z.object({ action_id: z.string().max(255), value: z.string().max(2000).optional() })).min(1),
});

export interface PressDeps {
  readonly logger: Logger;
  readonly onDecision: SlackDeps["onDecision"];
}

/**
 * What pressing Approve or Deny does, after Bolt has acknowledged the press: ask Sentinel (which
 * checks the presser against the repository's policy), then either replace the buttons with who
 * decided, or, when Sentinel refused, keep the buttons and tell only the presser why.
 *
 * The message is edited with chat.update rather than through the payload's response_url: the
 * bot's own authenticated Web API client (one base url, timeout and retry policy, faked the same
 * way in tests) posted the message and may edit it, and an edit does not depend on a
 * response_url's 30-minute, 5-use budget. The refusal goes out with chat.postEphemeral, so only
 * the presser sees it and the buttons stay for someone who may approve.
 */
export async function handlePress(body: unknown, client: webApi.WebClient, deps: PressDeps): Promise<void> {
  const parsed = pressSchema.safeParse(body);
  if (!parsed.success) {
    deps.logger.warn({ issues: parsed.error.issues.length }, "ignored a Slack block action of an unexpected shape");
    return;
  }
  const press = parsed.data;
  const [action] = press.actions;
  if (!action || (action.action_id !== APPROVE_ACTION && action.action_id !== DENY_ACTION)) return; // the link button, or not ours
  const decision = action.action_id === APPROVE_ACTION ? "approve" : "deny";
  const channel = press.channel?.id ?? press.container?.channel_id;
  const ts = press.message?.ts ?? press.container?.message_ts;
  const slackUserId = press.user.id;
  const slackUserName = press.user.username ?? press.user.name ?? null;

  const tell = async (line: string): Promise<void> => {
    if (!channel) return;
    try {
      await client.chat.postEphemeral({
        channel,
        user: slackUserId,
        text: line,
        blocks: [{ type: "section", text: { type: "mrkdwn", text: line, verbatim: true } }],
      });
    } catch (error) {
      deps.logger.warn(
        { slackError: describeSlackError(error), channel },
        "could not tell a Slack user what became of their button press",
      );
    }
  };

  const runId = action.value;
  if (!isRunId(runId)) {
    // Only the length: the value is whatever the message carried, and the log is no place for it.
    deps.logger.warn(
      { slackUserId, valueLength: action.value?.length ?? 0 },
      "refused a Slack button press: the run id is not valid",
    );
    await tell(":warning: This button does not carry a valid Sentinel run id; nothing was done.");
    return;
  }

  let outcome: { ok: boolean; message: string };
  try {
    outcome = await deps.onDecision({ runId, decision, slackUserId, slackUserName });
  } catch (error) {
    deps.logger.error({ err: error, runId, decision }, "recording a Slack decision failed");
    outcome = { ok: false, message: "Sentinel could not record the decision; try again in a moment." };
  }
  deps.logger.info({ runId, decision, slackUserId, ok: outcome.ok }, "Slack decision");
  if (!outcome.ok) {
    await tell(`:warning: ${safeMrkdwn(outcome.message, 1000)}`);
    return;
  }

  const line = decisionLine(decision, mention(slackUserId, slackUserName), outcome.message);
  if (!channel || !ts) {
    await tell(line);
    return;
  }
  try {
    await client.chat.update({ channel, ts, text: line, blocks: renderDecided(press.message?.blocks ?? [], line) });
  } catch (error) {
    deps.logger.warn(
      { slackError: describeSlackError(error), runId, channel },
      "could not update the Slack approval message",
    );
    await tell(line);
  }
}

/**
 * A Web API failure in a few words: Slack's error code, the HTTP status, or the kind of request
 * error. Never an error message: a request error's message is the HTTP stack's and may quote the
 * request, Authorization header included.
 */
export function describeSlackError(error: unknown): string {
  if (typeof error !== "object" || error === null) return "unknown error";
  const e = error as {
    code?: unknown;
    data?: { error?: unknown };
    statusCode?: unknown;
    original?: { name?: unknown; cause?: { code?: unknown } };
  };
  if (typeof e.data?.error === "string") return e.data.error;
  if (typeof e.statusCode === "number") return `HTTP ${e.statusCode}`;
  const cause = e.original?.cause?.code ?? e.original?.name;
  const code = typeof e.code === "string" ? e.code : error instanceof Error ? error.name : "unknown error";
  return typeof cause === "string" ? `${code} (${cause})` : code;
}
