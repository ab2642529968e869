import type { types } from "@slack/bolt";
import { APPROVE_ACTION, DECISION_BLOCK_ID, DENY_ACTION, isRunId, OPEN_ACTION } from "./actions.js";
import { httpUrl, oneLine, safeMrkdwn } from "./mrkdwn.js";
import type { NotifyEvent, SlackNotification } from "./types.js";

type Block = types.KnownBlock;

const EVENTS: Readonly<Record<NotifyEvent, { emoji: string; label: string }>> = {
  "fix-opened": { emoji: ":wrench:", label: "Fix opened" },
  "approval-needed": { emoji: ":raised_hand:", label: "Approval needed" },
  revoked: { emoji: ":no_entry:", label: "Revoked" },
  escalated: { emoji: ":rotating_light:", label: "Escalated" },
  "freeze-blocked": { emoji: ":snowflake:", label: "Blocked by a freeze" },
  rerun: { emoji: ":repeat:", label: "Re-run" },
};

// Slack's limits (https://docs.slack.dev/reference/block-kit/blocks): past them the whole
// message is refused, so text is cut instead.
const MAX_TITLE = 200;
const MAX_SECTION_TEXT = 3000;
const MAX_FIELD_TEXT = 2000;
const FIELDS_PER_SECTION = 10;
const MAX_FIELDS = 20;
const MAX_FALLBACK_TEXT = 1000;

/**
 * A mrkdwn text object for text that is (partly) untrusted. `verbatim: true` stops Slack from
 * turning bare URLs, `#channel` names and `@here` into links and mentions; the escaping in
 * safeMrkdwn stops explicit `<…>` sequences.
 */
function mrkdwn(text: string): types.MrkdwnElement {
  return { type: "mrkdwn", text, verbatim: true };
}

/** The message for a notification: title, repo and event, text, fields, link and (approval-needed) buttons. */
export function renderNotification(n: SlackNotification): { text: string; blocks: Block[] } {
  const event = EVENTS[n.event];
  const title = safeMrkdwn(oneLine(n.title), MAX_TITLE);
  const repo = safeMrkdwn(oneLine(n.repo), 200);
  const blocks: Block[] = [
    { type: "section", text: mrkdwn(`${event.emoji} *${title}*`) },
    { type: "context", elements: [mrkdwn(`${event.label} · ${repo}`)] },
  ];
  if (n.text.trim() !== "") blocks.push({ type: "section", text: mrkdwn(safeMrkdwn(n.text, MAX_SECTION_TEXT)) });
  const fields = (n.fields ?? [])
    .slice(0, MAX_FIELDS)
    .map((f) => mrkdwn(safeMrkdwn(`*${oneLine(f.label)}*\n${f.value}`, MAX_FIELD_TEXT)));
  for (let i = 0; i < fields.length; i += FIELDS_PER_SECTION)
    blocks.push({ type: "section", fields: fields.slice(i, i + FIELDS_PER_SECTION) });
  const url = httpUrl(n.url);
  if (url)
    blocks.push({
      type: "actions",
      block_id: "sentinel_links",
      elements: [{ type: "button", action_id: OPEN_ACTION, text: { type: "plain_text", text: "Open" }, url }],
    });
  if (n.event === "approval-needed" && isRunId(n.runId)) {
    blocks.push({
      type: "actions",
      block_id: DECISION_BLOCK_ID,
      elements: [
        {
          type: "button",
          action_id: APPROVE_ACTION,
          style: "primary",
          value: n.runId,
          text: { type: "plain_text", text: "Approve" },
        },
        {
          type: "button",
          action_id: DENY_ACTION,
          style: "danger",
          value: n.runId,
          text: { type: "plain_text", text: "Deny" },
        },
      ],
    });
  }
  // The fallback text is what notifications and screen readers show: the same escaping applies.
  const text = safeMrkdwn(`${event.label}: ${oneLine(n.title)} (${oneLine(n.repo)})`, MAX_FALLBACK_TEXT);
  return { text, blocks };
}

/**
 * The message after a decision: the original blocks without the Approve/Deny buttons, plus a
 * context line saying who decided and what Sentinel made of it. `line` must already be mrkdwn-safe.
 */
export function renderDecided(original: ReadonlyArray<unknown>, line: string): Block[] {
  const kept = original.filter(
    (b) => !(typeof b === "object" && b !== null && (b as { block_id?: unknown }).block_id === DECISION_BLOCK_ID),
  ) as Block[];
  // Slack allows 50 blocks; ours are far fewer, but the original comes from the payload.
  return [...kept.slice(0, 49), { type: "context", elements: [mrkdwn(line)] }];
}

/** "<@U123>" for a well-formed Slack user id, else the escaped name, so a payload cannot inject a mention. */
export function mention(userId: string, name: string | null): string {
  if (/^[UW][A-Z0-9]{2,20}$/.test(userId)) return `<@${userId}>`;
  return safeMrkdwn(name ?? "someone", 80);
}

/** The context line for a recorded decision: "Approved by <@U…>: message". */
export function decisionLine(decision: "approve" | "deny", who: string, message: string): string {
  const verb = decision === "approve" ? ":white_check_mark: Approved" : ":x: Denied";
  return `${verb} by ${who}: ${safeMrkdwn(oneLine(message), 500)}`;
}
