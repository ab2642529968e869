import { createHmac, generateKeyPairSync } from "node:crypto";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as Array<{
  name: string;
  examples: Array<Record<string, any>>;
}>;

/** A copy of a real example payload from @octokit/webhooks-examples (the first that `pick` accepts). */
export function githubExample(
  name: string,
  pick: (x: Record<string, any>) => boolean = () => true,
): Record<string, any> {
  const found = examples.find((e) => e.name === name)?.examples.find(pick);
  if (!found) throw new Error(`no ${name} example matches`);
  return structuredClone(found);
}

/** A GitHub App key for tests: Probot signs its JWTs with it; nock answers the token requests. */
export const TEST_PRIVATE_KEY = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
}).privateKey;

/** What `cargo fmt --all --check` printed for a badly formatted crate on a GitHub runner. */
export const RUSTFMT_OUTPUT = `Diff in /home/runner/work/Hello-World/Hello-World/src/main.rs:1:
-fn main(){let x=1;println!("{}",x);}
+fn main() {
+    let x = 1;
+    println!("{}", x);
+}
`;

/** That crate. */
export const BADLY_FORMATTED_CRATE: Readonly<Record<string, string>> = {
  "Cargo.toml": '[package]\nname = "hello"\nversion = "0.1.0"\nedition = "2021"\n',
  "src/main.rs": 'fn main(){let x=1;println!("{}",x);}\n',
  ".gitignore": "target/\n",
};

/** Posts a delivery to Sentinel's GitHub webhook endpoint, signed with `secret` as GitHub does. */
export function deliverGithub(
  port: number,
  secret: string,
  event: string,
  payload: unknown,
  deliveryId: string,
): Promise<Response> {
  const body = JSON.stringify(payload);
  return fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": deliveryId,
      "x-hub-signature-256": "sha256=" + createHmac("sha256", secret).update(body).digest("hex"),
    },
    body,
  });
}

/** A stable repository id per name: GitHub ids repositories, and Sentinel keys failures by that id, so two
 * scenarios' repositories must not share the example payload's one. */
export function repositoryIdFor(fullName: string): number {
  let h = 2166136261;
  for (const c of fullName) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return ((h >>> 0) % 1_000_000_000) + 1;
}

/** The real failed `workflow_job` example, with the installation an App delivery carries and the ids a scenario needs. */
export function failedWorkflowJob(o: {
  installation: number;
  repo: string;
  repoId?: number;
  remote?: string;
  sha: string;
  jobId: number;
  branch?: string;
  name?: string;
}): Record<string, any> {
  const job = githubExample("workflow_job", (x) => x.workflow_job.conclusion === "failure");
  job.installation = { id: o.installation };
  // `remote` is only what the payload claims: Sentinel builds remotes from its configured API base.
  Object.assign(job.repository, {
    full_name: o.repo,
    name: o.repo.split("/")[1],
    id: o.repoId ?? repositoryIdFor(o.repo),
    ...(o.remote ? { clone_url: o.remote } : {}),
  });
  Object.assign(job.workflow_job, {
    id: o.jobId,
    head_sha: o.sha,
    head_branch: o.branch ?? "main",
    name: o.name ?? "fmt",
    html_url: `https://github.com/${o.repo}/actions/runs/1/job/${o.jobId}`,
  });
  return job;
}

/** The real `issue_comment` example as a comment on pull request `pr`. */
export function pullRequestComment(o: {
  installation: number;
  repo: string;
  pr: number;
  body: string;
  id: number;
  login?: string;
  type?: string;
  action?: string;
}): Record<string, any> {
  const c = githubExample("issue_comment", (x) => x.action === (o.action ?? "created"));
  c.installation = { id: o.installation };
  c.repository.full_name = o.repo;
  c.repository.id = repositoryIdFor(o.repo);
  c.repository.name = o.repo.split("/")[1];
  c.issue.number = o.pr;
  c.issue.pull_request = { url: `https://api.github.com/repos/${o.repo}/pulls/${o.pr}` };
  Object.assign(c.comment, {
    id: o.id,
    body: o.body,
    user: { ...c.comment.user, login: o.login ?? "mona", type: o.type ?? "User" },
  });
  return c;
}
