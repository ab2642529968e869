// The deliveries the benches send: real example payloads, signed the way each forge signs them.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The failed `workflow_job` (action completed, conclusion failure) from @octokit/webhooks-examples.
 * The examples' failed job comes from a repository webhook, so it has no `installation`; a GitHub
 * App delivery always carries one, so one is added (as the ingestion tests do).
 */
export function githubFailedWorkflowJob(installationId = 4242) {
  const examples = require("@octokit/webhooks-examples/api.github.com/index.json");
  const job = examples
    .find((e) => e.name === "workflow_job")
    ?.examples.find((x) => x.action === "completed" && x.workflow_job?.conclusion === "failure");
  if (!job)
    throw new Error(
      "@octokit/webhooks-examples has no failed workflow_job example: is the devDependency installed (npm ci)?",
    );
  return {
    ...structuredClone(job),
    installation: { id: installationId, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==" },
  };
}

/** GitLab's documented Job hook example (test/fixtures/gitlab-hooks/job-event.json), as a failed job. */
export function gitlabFailedJob() {
  const job = JSON.parse(readFileSync(path.join(root, "test/fixtures/gitlab-hooks/job-event.json"), "utf8"));
  return { ...job, build_status: "failed" };
}

/** GitHub's `X-Hub-Signature-256` of `body` under `secret`. */
export function signGithub(secret, body) {
  return "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
}
