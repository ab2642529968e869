// What every command handler is given, and what it answers: shared by the handler modules.
import type { Logger } from "pino";
import type { LoadedRepoConfig } from "../config/index.js";
import type { ForgeClient } from "../forge/index.js";
import type { JobQueue } from "../queue/index.js";
import type { GovernanceStore, RunStore, Store } from "../store/index.js";

export interface CommandDeps {
  readonly store: Store;
  readonly gov: GovernanceStore;
  readonly runs: RunStore;
  readonly queue: JobQueue;
  readonly logger: Logger;
  readonly forge: ForgeClient;
  /** The repository's config from its default branch (the policy names the approvers). */
  readonly loaded: LoadedRepoConfig;
  /** Rewrites the sticky comment after a command changed what it shows. */
  readonly refreshSticky: () => Promise<void>;
}

/** A command's outcome: 👍 or 😕, a reply to post, and whether the sticky comment needs rewriting. */
export interface Answer {
  readonly ok: boolean;
  readonly reply?: string;
  readonly refresh?: boolean;
}
