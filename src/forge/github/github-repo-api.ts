import type { Octokit } from "@octokit/core";

/** An Octokit with the REST pagination and Probot config plugins Sentinel's GitHub clients carry. */
export type RestOctokit = Octokit & {
  paginate: <T>(route: string, params: Record<string, unknown>) => Promise<T[]>;
  config: {
    get: (params: {
      owner: string;
      repo: string;
      path: string;
      defaults?: unknown;
    }) => Promise<{ config: unknown; files: Array<{ path: string; config: unknown }> }>;
  };
};

/** One repository as the GitHub forge's helpers address it. */
export interface GithubRepoApi {
  readonly octokit: RestOctokit;
  readonly owner: string;
  readonly name: string;
}
