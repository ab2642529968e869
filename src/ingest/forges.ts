import type { ForgeClient } from "../forge/index.js";
import type { FixForge } from "../forge/index.js";
import type { Forge } from "../store/index.js";

/** Gives the worker a client for one repository of one forge (tokens are the forge's business). */
export interface Forges {
  /**
   * `diagnose` (the default) reads logs and reports; `rerun` may only re-run jobs; `act` answers
   * commands: what diagnosing needs plus re-running jobs (and, for policies that name teams,
   * reading team membership).
   */
  client(
    target: { forge: Forge; repo: string; repoId: string; installationId: string | null },
    purpose?: "diagnose" | "act" | "rerun",
  ): Promise<ForgeClient>;
  /**
   * Where fix branches are pushed and pull requests opened, with push credentials: the remote is
   * the configured forge's, for the repository whose id and path the forge's API confirms.
   */
  fixer(target: { forge: Forge; repo: string; repoId: string; installationId: string | null }): Promise<FixForge>;
  /**
   * Whether the forge's API says repository `repoId` is `repo` (null) or why not. Where hooks are
   * not signed per delivery (GitLab), every item is confirmed this way before it is acted on. An
   * implementation may remember confirmations for a while (projects are rarely renamed).
   */
  confirmProject?(target: {
    forge: Forge;
    repo: string;
    repoId: string;
    installationId: string | null;
  }): Promise<string | null>;
  /**
   * The username Sentinel writes as on a forge where that is an ordinary account (GitLab: the
   * token's user), so its own notes never run commands whatever the account is called. Null
   * where the forge marks the app's comments itself (GitHub's `[bot]` users).
   */
  selfUsername?(forge: Forge): Promise<string | null>;
}
