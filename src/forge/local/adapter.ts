import type { ForgeAdapter } from "../forge-adapter.js";

/**
 * The local forge: a git repository on disk. Nothing arrives from outside, so there is nothing
 * to read or confirm; fixes are pushed to the repository and "pull requests" live in the store.
 */
export const localAdapter: ForgeAdapter = {
  id: "local",
  name: "the local forge",
  // No hook reaches it: nothing a stranger could claim.
  signedHooks: true,
  webhookPrefix: null,
  events: [],
  readEvent: (event) => [{ kind: "ignore", reason: `the local forge receives no deliveries (got "${event}")` }],
  needsSelfUsername: () => false,
  readComment: () => ({ ignore: "the local forge has no comments" }),
  pullRequestRefspec: () => null,
  configFindingsInNote: false,
  pullRequestsInStore: true,
};

// This folder's forge id, added to core's ForgeIds (see src/core/domain.ts).
declare module "../../core/domain.js" {
  interface ForgeIds {
    local: true;
  }
}
