import type { ForgeAdapter } from "../forge-adapter.js";
import { failingCommandOfStream } from "./failing-command.js";
import { confirmedComment, readGitlabNote } from "./read-comment.js";
import { GITLAB_EVENTS, readGitlabEvent } from "./read-event.js";

type GitlabPayload = Parameters<typeof readGitlabEvent>[1];

/** GitLab (gitlab.com or self-managed): hooks carry a shared secret (X-Gitlab-Token), not a signature. */
export const gitlabAdapter: ForgeAdapter = {
  id: "gitlab",
  name: "GitLab",
  signedHooks: false,
  webhookPrefix: "/api/gitlab/",
  events: GITLAB_EVENTS,
  // The webhook route checked it is a JSON object; the reader checks the fields it uses.
  readEvent: (event, payload, context) => readGitlabEvent(event, payload as GitlabPayload, context.selfUsername),
  // Only notes can hold commands; asking on every pipeline hook would cost a request each.
  needsSelfUsername: (event) => event === "Note Hook",
  readComment: (_event, payload, self) => readGitlabNote(payload, self),
  confirmComment: (claimed, api, self) => confirmedComment(claimed, api, self),
  pullRequestRefspec: (n) => `+refs/merge-requests/${n}/head:refs/sentinel/pull/${n}`,
  configFindingsInNote: true,
  pullRequestsInStore: false,
  failingCommandInLog: failingCommandOfStream,
  ciConfigPath: ".gitlab-ci.yml",
};

// This folder's forge id, added to core's ForgeIds (see src/core/domain.ts).
declare module "../../core/domain.js" {
  interface ForgeIds {
    gitlab: true;
  }
}
