import { SentinelError } from "../../core/index.js";
import type { FailedJob } from "../forge-client.js";
import type { GithubRepoApi } from "./github-repo-api.js";

const FAILED = new Set(["failure", "timed_out", "startup_failure"]);

/** A job's log as a byte stream, without buffering it. */
export async function streamGithubJobLog(
  { octokit, owner, name }: GithubRepoApi,
  fetchImpl: typeof fetch,
  jobId: string,
  signal?: AbortSignal,
): Promise<AsyncIterable<Uint8Array>> {
  // The API answers with a redirect to short-lived blob storage. Following it ourselves keeps
  // the installation token off that other host and lets the body stream instead of buffering.
  const res = await octokit.request("GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs", {
    owner,
    repo: name,
    job_id: Number(jobId),
    request: { redirect: "manual", parseSuccessResponseBody: false, ...(signal ? { signal } : {}) },
  });
  const location = (res.headers as Record<string, string | undefined>).location;
  if (res.status >= 300 && res.status < 400 && location) {
    const blob = await fetchImpl(location, { ...(signal ? { signal } : {}) });
    if (!blob.ok || !blob.body) {
      throw new SentinelError("E_FORGE_API", `job log download failed: HTTP ${blob.status}`);
    }
    return blob.body as unknown as AsyncIterable<Uint8Array>;
  }
  const body = res.data as unknown;
  if (body && typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === "function") {
    return body as AsyncIterable<Uint8Array>;
  }
  if (typeof body === "string") {
    return (async function* () {
      yield Buffer.from(body);
    })();
  }
  throw new SentinelError("E_FORGE_API", `job log download failed: HTTP ${res.status} without a redirect`);
}

/**
 * The failed jobs of a workflow run (Actions jobs, with logs) or of a check suite (other apps'
 * check runs, read from their output; Sentinel's own is skipped).
 */
export async function failedGithubJobs(
  { octokit, owner, name }: GithubRepoApi,
  what: "workflow_run" | "check_suite" | "pipeline",
  id: string,
): Promise<FailedJob[]> {
  if (what === "workflow_run") {
    const jobs = await octokit.paginate<{
      id: number;
      name: string;
      conclusion: string | null;
      html_url: string | null;
      run_attempt?: number;
    }>("GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs", {
      owner,
      repo: name,
      run_id: Number(id),
      filter: "latest",
      per_page: 100,
    });
    return jobs
      .filter((j) => FAILED.has(j.conclusion ?? ""))
      .map((j) => ({
        jobId: String(j.id),
        jobName: j.name,
        jobUrl: j.html_url,
        runAttempt: j.run_attempt ?? null,
        hasLog: true,
        context: { actions: true, conclusion: j.conclusion },
      }));
  }
  if (what === "check_suite") {
    const runs = await octokit.paginate<{
      id: number;
      name: string;
      conclusion: string | null;
      details_url: string | null;
      html_url: string | null;
      app?: { slug?: string };
      output?: unknown;
    }>("GET /repos/{owner}/{repo}/check-suites/{check_suite_id}/check-runs", {
      owner,
      repo: name,
      check_suite_id: Number(id),
      per_page: 100,
    });
    return runs
      .filter((r) => FAILED.has(r.conclusion ?? "") && r.name !== "Sentinel")
      .map((r) => ({
        jobId: String(r.id),
        jobName: r.name,
        jobUrl: r.details_url ?? r.html_url,
        runAttempt: null,
        hasLog: false,
        context: { actions: false, conclusion: r.conclusion, app: r.app?.slug ?? null, output: r.output ?? null },
      }));
  }
  return [];
}
