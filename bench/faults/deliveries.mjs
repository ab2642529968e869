// The webhook deliveries of the faults bench: the real examples from @octokit/webhooks-examples
// (the failed and the successful `workflow_job`, the failed `check_run` GitHub Actions creates for
// the same job), pointed at the bench's repositories, signed as GitHub signs them.
import { createHmac } from "node:crypto";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
let examples = null;

function example(event, test) {
  examples ??= require("@octokit/webhooks-examples/api.github.com/index.json");
  const found = examples.find((e) => e.name === event)?.examples.find(test);
  if (!found)
    throw new Error(
      `@octokit/webhooks-examples has no matching ${event} example: is the devDependency installed (npm ci)?`,
    );
  return structuredClone(found);
}

export const OWNER = "bench-org";

function repository(base, repo) {
  return {
    ...base,
    id: repo.repoId,
    node_id: `R_bench${repo.repoId}`,
    name: repo.name,
    full_name: `${OWNER}/${repo.name}`,
    owner: { ...base.owner, login: OWNER },
    default_branch: "main",
    private: true,
  };
}

/**
 * A failed job: `workflow_job` completed with conclusion failure. `attempt` > 1 is a re-run of the
 * job (a new job id in the same workflow run, as GitHub gives a re-run).
 */
export function failedWorkflowJob({ repo, installationId, jobId, runId, attempt = 1, jobName, sha, branch }) {
  const job = example("workflow_job", (x) => x.action === "completed" && x.workflow_job?.conclusion === "failure");
  job.installation = { id: installationId, node_id: `MDIzOkludGVncmF0aW9u${installationId}` };
  job.repository = repository(job.repository, repo);
  Object.assign(job.workflow_job, {
    id: jobId,
    run_id: runId,
    run_attempt: attempt,
    head_sha: sha,
    head_branch: branch,
    name: jobName,
    workflow_name: "CI",
    html_url: `https://ghe.example.invalid/${OWNER}/${repo.name}/actions/runs/${runId}/job/${jobId}`,
    run_url: `https://ghe.example.invalid/api/v3/repos/${OWNER}/${repo.name}/actions/runs/${runId}`,
  });
  return job;
}

/** A job that passed (a job outcome: Sentinel records it, and would call a failure with the same name on the commit flaky). */
export function succeededWorkflowJob({ repo, installationId, jobId, runId, jobName, sha, branch }) {
  const job = example("workflow_job", (x) => x.action === "completed" && x.workflow_job?.conclusion === "success");
  job.installation = { id: installationId, node_id: `MDIzOkludGVncmF0aW9u${installationId}` };
  job.repository = repository(job.repository, repo);
  Object.assign(job.workflow_job, {
    id: jobId,
    run_id: runId,
    run_attempt: 1,
    head_sha: sha,
    head_branch: branch,
    name: jobName,
    workflow_name: "CI",
  });
  return job;
}

/** The `check_run` GitHub Actions reports for the same job (its id is the job's id): the same failure, reported twice. */
export function failedActionsCheckRun({ repo, installationId, jobId, jobName, sha, branch, pullRequests = [] }) {
  const run = example(
    "check_run",
    (x) =>
      x.action === "completed" && x.check_run?.conclusion === "failure" && x.check_run?.app?.slug === "github-actions",
  );
  run.installation = { id: installationId, node_id: `MDIzOkludGVncmF0aW9u${installationId}` };
  run.repository = repository(run.repository, repo);
  Object.assign(run.check_run, {
    id: jobId,
    name: jobName,
    head_sha: sha,
    details_url: `https://ghe.example.invalid/${OWNER}/${repo.name}/runs/${jobId}`,
    html_url: `https://ghe.example.invalid/${OWNER}/${repo.name}/runs/${jobId}`,
    pull_requests: pullRequests.map((number) => ({
      number,
      head: { ref: branch, sha, repo: { id: repo.repoId, name: repo.name } },
      base: { ref: "main", sha, repo: { id: repo.repoId, name: repo.name } },
    })),
  });
  run.check_run.check_suite = { ...run.check_run.check_suite, head_branch: branch, head_sha: sha };
  return run;
}

export function signGithub(secret, body) {
  return "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
}
