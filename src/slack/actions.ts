/**
 * The contract between the buttons Sentinel posts and the handler of their presses: action ids,
 * the block they sit in, and what a run id may look like. A press arrives with whatever `value`
 * the message carries, so the run id is checked again on the way in.
 */

export const APPROVE_ACTION = "sentinel_approve";
export const DENY_ACTION = "sentinel_deny";
/** The link button; Slack still sends a block action for it, which must be acknowledged. */
export const OPEN_ACTION = "sentinel_open";
/** The actions block holding Approve/Deny, removed from the message once someone decided. */
export const DECISION_BLOCK_ID = "sentinel_decision";

const RUN_ID = /^run_[a-z0-9_]+$/;
export const MAX_RUN_ID_LENGTH = 100;

export function isRunId(value: unknown): value is string {
  return typeof value === "string" && value.length <= MAX_RUN_ID_LENGTH && RUN_ID.test(value);
}
