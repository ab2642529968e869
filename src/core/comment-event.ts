import type { ForgeId } from "./domain.js";

export const COMMAND_NAMES = [
  "help",
  "status",
  "explain",
  "fix",
  "retry",
  "approve",
  "deny",
  "pause",
  "resume",
  "ignore",
  "tier",
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface ParsedCommand {
  /** "unknown" for a name Sentinel does not know (its args then start with the name as typed). */
  readonly name: CommandName | "unknown";
  readonly args: readonly string[];
  /** The command's line as written, trimmed. */
  readonly raw: string;
  /** 1-based line of the comment it is on. */
  readonly line: number;
}

/** What a pull/merge request comment asks of Sentinel, read from the webhook payload. */
export interface CommentEvent {
  readonly forge: ForgeId;
  readonly repo: string;
  readonly repoId: string;
  readonly installationId: string | null;
  /** The pull request's number, or the merge request's iid. */
  readonly prNumber: number;
  /** The GitHub issue comment id, or the GitLab note id. */
  readonly commentId: string;
  readonly author: { readonly login: string; readonly id: string; readonly isBot: boolean };
  readonly body: string;
  readonly commands: readonly ParsedCommand[];
  readonly url: string | null;
}

/** A comment read from a hook: the commands it holds, or why it holds none Sentinel will run. */
export type CommentReading = CommentEvent | { readonly ignore: string };
