import type { Logger } from "pino";
import type { Metrics } from "../metrics/index.js";
import type { ChatNotifier } from "../notify/index.js";
import type { FixEnvironment } from "../pipeline/index.js";
import type { JobQueue } from "../queue/index.js";
import type { Store } from "../store/index.js";
import type { Forges } from "./forges.js";

// Types only: every job handler takes these, so a module of its own keeps them from tying the
// handlers' modules into import cycles.

/** What a queue worker's job handlers are given. */
export interface WorkerDeps {
  readonly store: Store;
  readonly queue: JobQueue;
  readonly forges: Forges;
  readonly logger: Logger;
  /** This GitHub App's id: its own check runs are not failures to diagnose. */
  readonly githubAppId?: number;
  /**
   * GitLab projects (paths or ids) Sentinel serves. GitLab's webhook secret is shared by every
   * project that has it, so without this list any of them may send deliveries; with it, others
   * are ignored with the reason.
   */
  readonly gitlabProjects?: ReadonlySet<string>;
  /** Set when this worker runs fix pipelines for repositories that opted in. */
  readonly fixing?: FixEnvironment;
  /** Chat notifications (Slack) when configured; routed per repository by its `notify` config. */
  readonly chat?: ChatNotifier;
  readonly metrics?: Metrics;
}
