import type { ForgeAdapter } from "../forge-adapter.js";
import { readGithubComment } from "./read-comment.js";
import { GITHUB_EVENTS, readGithubEvent } from "./read-event.js";

type GithubPayload = Parameters<typeof readGithubEvent>[1];

/** GitHub through its App: deliveries are signed with the App's webhook secret (X-Hub-Signature-256). */
export const githubAdapter: ForgeAdapter = {
  id: "github",
  name: "GitHub",
  signedHooks: true,
  webhookPrefix: "/api/github/",
  events: GITHUB_EVENTS,
  // The payload was parsed from JSON the server verified; the reader checks the fields it uses.
  readEvent: (event, payload, context) => readGithubEvent(event, payload as GithubPayload, context.selfAppId),
  // The App's own comments come from a `[bot]` user, which the reader recognises without asking.
  needsSelfUsername: () => false,
  readComment: (event, payload, self) => readGithubComment(event, payload, self),
  pullRequestRefspec: (n) => `+refs/pull/${n}/head:refs/sentinel/pull/${n}`,
  configFindingsInNote: false,
  pullRequestsInStore: false,
};

// This folder's forge id, added to core's ForgeIds (see src/core/domain.ts).
declare module "../../core/domain.js" {
  interface ForgeIds {
    github: true;
  }
}
