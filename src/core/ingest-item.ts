import type { CommentEvent } from "./comment-event.js";
import type { FailureRecord, ForgeId } from "./domain.js";

/** What one delivery means to Sentinel, once read. A delivery can mean several things. */
export type IngestItem =
  | { readonly kind: "failure"; readonly failure: Omit<FailureRecord, "firstDelivery"> }
  | {
      readonly kind: "outcome";
      readonly outcome: {
        forge: ForgeId;
        repo: string;
        sha: string;
        jobName: string;
        jobId: string;
        conclusion: string;
      };
    }
  /** A failed workflow run, check suite or pipeline: its failed jobs are listed through the API. */
  | {
      readonly kind: "expand";
      readonly what: "workflow_run" | "check_suite" | "pipeline";
      readonly id: string;
      readonly repo: string;
      readonly repoId: string;
      readonly installationId: string | null;
      readonly sha: string;
      readonly ref: string | null;
      readonly pullRequests: FailureRecord["pullRequests"];
      readonly fromFork: boolean;
    }
  /** A pull request opened or updated: if it changes Sentinel's config or rule files, validate them. */
  | {
      readonly kind: "validate-config";
      readonly forge: ForgeId;
      readonly repo: string;
      readonly repoId: string;
      readonly installationId: string | null;
      readonly prNumber: number;
      readonly headSha: string;
    }
  | {
      readonly kind: "installation";
      readonly op: "add" | "remove" | "remove-all";
      readonly installationId: string;
      readonly repos: ReadonlyArray<{ id: string; fullName: string }>;
    }
  /** A new PR/MR comment with `/sentinel` commands. */
  | { readonly kind: "command"; readonly comment: CommentEvent }
  /** A pull/merge request merged or closed: fix PRs earn or lose trust, reverts demote. */
  | {
      readonly kind: "pr-closed";
      readonly forge: ForgeId;
      readonly repo: string;
      readonly repoId: string;
      readonly installationId: string | null;
      readonly prNumber: number;
      readonly merged: boolean;
      readonly headRef: string;
      readonly body: string;
    }
  | { readonly kind: "ignore"; readonly reason: string };
