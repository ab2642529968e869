import type { ChatNotifier } from "../ingest/index.js";
import { appendLedger, currentCause } from "../ledger/index.js";
import type { Database } from "../store/index.js";

/** Chat notifications, each also appended to the ledger with what caused it (like forge writes). */
export function recordedChat(chat: ChatNotifier, ledger: Database): ChatNotifier {
  return {
    async notify(n) {
      const result = await chat.notify(n);
      // Slack's notifier answers null for what it did not post (invalid, closed, refused).
      if (result === null || result === undefined) return result;
      const cause = currentCause();
      const data = { channel: n.channel, event: n.event, repo: n.repo, title: n.title.slice(0, 200), cause };
      await appendLedger(ledger, [{ runId: n.runId ?? cause.run ?? null, kind: "chat.write", data }]);
      return result;
    },
  };
}
