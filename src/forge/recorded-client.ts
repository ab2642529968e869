import { appendLedger, currentCause, type LedgerDatabase } from "../ledger/index.js";
import type { CommitReport, ForgeClient, IssueRequest } from "./forge-client.js";

/** What each write to a forge is recorded as: its target and what the forge gave back, never a body's text. */
const WRITES: Readonly<Record<string, (args: readonly unknown[], result: unknown) => Record<string, unknown>>> = {
  publishReport: ([report], result) => {
    const r = report as CommitReport;
    return {
      sha: r.sha,
      name: r.name,
      conclusion: r.conclusion,
      title: r.title.slice(0, 200),
      annotations: r.annotations.length,
      id: (result as { id?: string } | undefined)?.id ?? null,
    };
  },
  upsertStickyComment: ([pr, , knownId, marker], result) => ({
    pr,
    edited: knownId !== null && knownId === result,
    marker: marker ?? "sticky",
    id: result,
  }),
  react: ([pr, comment, reaction]) => ({ pr, comment, reaction }),
  postComment: ([pr, body], result) => ({ pr, bytes: Buffer.byteLength(String(body)), id: result }),
  rerunJob: ([job]) => ({ job }),
  upsertIssue: ([known, issue], result) => ({
    known,
    title: (issue as IssueRequest).title.slice(0, 200),
    number: (result as { number?: number } | undefined)?.number ?? null,
  }),
};

/**
 * The client, with every write it makes to the forge (check runs and statuses, comments and
 * notes, reactions, job re-runs, issues) also appended to the ledger, naming the delivery,
 * failure or run that caused it (currentCause). A write that failed wrote nothing and is not
 * recorded; reads are not recorded.
 */
export function recordedClient<T extends ForgeClient>(client: T, ledger: LedgerDatabase): T {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      const describe = typeof prop === "string" ? WRITES[prop] : undefined;
      if (!describe) return value.bind(target);
      return async (...args: unknown[]) => {
        const result: unknown = await value.apply(target, args);
        const cause = currentCause();
        await appendLedger(ledger, [
          {
            runId: cause.run ?? null,
            kind: "forge.write",
            data: { forge: target.forge, repo: target.repo, op: prop, ...describe(args, result), cause },
          },
        ]);
        return result;
      };
    },
  });
}
