import type { Logger } from "pino";
import type { LoadedRepoConfig } from "../config/index.js";
import { slackChannelFor, type NotifyEvent } from "../policy/index.js";

/** What Sentinel sends to chat; Slack's notifier has this shape. */
export interface ChatNotifier {
  notify(n: {
    event: NotifyEvent;
    channel: string;
    repo: string;
    title: string;
    text: string;
    url?: string;
    runId?: string;
  }): Promise<unknown>;
}

/** Who sends: the chat notifier when one is configured, and where a failed send is logged. */
export interface ChatDeps {
  readonly chat?: ChatNotifier;
  readonly logger: Logger;
}

/** Sends a chat notification where the repository's `notify` config routes it; Slack down never fails a run. */
export async function notify(
  deps: ChatDeps,
  loaded: LoadedRepoConfig,
  event: NotifyEvent,
  repo: string,
  title: string,
  text: string,
  extra: { url?: string | null; runId?: string } = {},
): Promise<void> {
  if (!deps.chat) return;
  const channel = slackChannelFor(loaded.config.notify, event);
  if (!channel) return;
  try {
    await deps.chat.notify({
      event,
      channel,
      repo,
      title,
      text,
      ...(extra.url ? { url: extra.url } : {}),
      ...(extra.runId ? { runId: extra.runId } : {}),
    });
  } catch (error) {
    deps.logger.warn(
      { err: error instanceof Error ? error.message : String(error), event },
      "chat notification failed",
    );
  }
}
