import type { CommentEvent, CommentReading, IngestItem } from "../core/index.js";

/** Who Sentinel is on the forge, so its own comments never run commands. */
export interface ReadContext {
  /** The GitHub App's id: its check runs and comments are Sentinel's own. */
  readonly selfAppId?: number;
  /** The account behind Sentinel's token where that is an ordinary user (GitLab). */
  readonly selfUsername?: string;
}

/** A comment as the forge's API has it, for forges whose hooks only claim who wrote what. */
export interface ApiComment {
  readonly author: { readonly login: string; readonly id: string };
  readonly body: string;
  readonly system: boolean;
}

/**
 * What differs from one forge to another, behind one shape: the rest of Sentinel asks the
 * registry for a forge's adapter instead of testing the forge's id. Pure: an adapter reads
 * payloads and names things; API clients and credentials are built by the forge's own index.
 */
export interface ForgeAdapter {
  /** The id deliveries, failures and runs are stored under. */
  readonly id: string;
  /** How people call the forge, in messages ("GitHub"). */
  readonly name: string;
  /**
   * Whether each delivery is signed (GitHub's HMAC per delivery). Where hooks carry only a shared
   * secret (GitLab), whoever holds it can claim any project, so every item's project is confirmed
   * through the API before it is acted on.
   */
  readonly signedHooks: boolean;
  /** The URL path prefix of the forge's webhook on Sentinel's server, or null when it has none. */
  readonly webhookPrefix: string | null;
  /** The event names the forge's webhook accepts (with `.action` where only some actions are read). */
  readonly events: readonly string[];
  /** Reads one delivery into what it means to Sentinel. Pure: a stored payload can be re-read. */
  readEvent(event: string, payload: unknown, context: ReadContext): IngestItem[];
  /** Whether reading this event needs `selfUsername` (asking for it costs an API call). */
  needsSelfUsername(event: string): boolean;
  /** Reads a pull/merge request comment's `/sentinel` commands, or says why there are none. */
  readComment(event: string, payload: unknown, self?: string): CommentReading;
  /**
   * Where hooks are unsigned: the comment as the API has it replaces what the hook claimed, or is
   * ignored when the API's author is a bot or Sentinel. Absent where hooks are signed.
   */
  confirmComment?(claimed: CommentEvent, api: ApiComment, self?: string): CommentReading;
  /** The refspec fetching pull request `n`'s head into refs/sentinel/pull/n, or null without pull requests. */
  pullRequestRefspec(n: number): string | null;
  /**
   * Whether a config check's file-and-line findings also go in a note on the pull request,
   * because the forge's commit status holds a title only (GitLab).
   */
  readonly configFindingsInNote: boolean;
  /**
   * Whether the forge's FixForge keeps its pull requests in the store itself (the local forge,
   * whose pull requests exist nowhere else), so the pipeline must not record them a second time.
   */
  readonly pullRequestsInStore: boolean;
  /**
   * Where the forge's API names no failed steps (GitLab), the command the job was running when it
   * failed, read from the job's log (GitLab's runner echoes each script entry as `$ <command>`):
   * argv, or null when the log shows none. Absent where the API names the failed step (GitHub).
   */
  failingCommandInLog?(log: AsyncIterable<Uint8Array>): Promise<string[] | null>;
  /**
   * The CI configuration file a command read from the log must appear in, at the failing commit,
   * before it is trusted: the log also holds whatever the job printed, and a job can print a line
   * that looks like the runner's echo. Absent where the command does not come from the log.
   */
  readonly ciConfigPath?: string;
}
