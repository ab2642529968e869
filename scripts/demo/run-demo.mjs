// `npm run demo`: one failed GitHub Actions job and one failed GitLab MR pipeline, end to end,
// against a local stand-in for the two forges' APIs. `npm run demo -- --services` runs it on
// real PostgreSQL and Redis (DATABASE_URL / REDIS_URL, default 127.0.0.1) instead of PGlite and
// the in-process queue.
import { createHmac, generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startFromEnv } from "../../dist/main.js";
import { startFakeForgeApi } from "./fake-forge-api.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(import.meta.url);
const services = process.argv.includes("--services");
const fixture = (p) => readFileSync(path.join(root, p), "utf8");
const stamp = (i) => new Date(Date.UTC(2026, 10, 22, 9, 0, 0) + i * 9).toISOString().replace("Z", "0000Z");
const actionsLog = (cmd, out) =>
  [
    "##[group]Run " + cmd,
    cmd,
    "##[endgroup]",
    ...out.trimEnd().split("\n"),
    "##[error]Process completed with exit code 1.",
  ]
    .map((l, i) => `${stamp(i)} ${l}`)
    .join("\n") + "\n";

const GH_REPO = "Codertocat/Hello-World";
const GH_SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
const GL_SHA = "bcbb5ec396a2c0f828686f14fac9b80b780504f2";
const api = await startFakeForgeApi({
  githubRepo: GH_REPO,
  gitlabProjectId: 1,
  logs: { 4001: actionsLog("npx jest", fixture("test/fixtures/tools/jest/failing.log")) },
  traces: { 378: fixture("test/fixtures/tools/tsc/type-errors.log") + "ERROR: Job failed: exit code 2\n" },
  pulls: { [GH_SHA]: [1] },
  mergeRequests: {},
});

const secret = "demo-webhook-secret";
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const env = {
  PORT: "0",
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  APP_ID: "1",
  PRIVATE_KEY: privateKey,
  WEBHOOK_SECRET: secret,
  // The stand-in API is a GitHub Enterprise Server as far as Sentinel (and Probot) can tell.
  GHE_HOST: `127.0.0.1:${api.port}`,
  GHE_PROTOCOL: "http",
  GITLAB_URL: `http://127.0.0.1:${api.port}`,
  GITLAB_TOKEN: "glpat-demo",
  GITLAB_WEBHOOK_SECRET: secret,
  ...(services
    ? {
        DATABASE_URL: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
        REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
        SENTINEL_QUEUE_PREFIX: `sentinel-demo-${Date.now()}`,
      }
    : { SENTINEL_DATA_DIR: ":memory:" }),
};
const sentinel = await startFromEnv(env);
const base = `http://127.0.0.1:${sentinel.port}`;
console.log(
  `Sentinel on ${base} (${services ? "PostgreSQL + BullMQ on Redis" : "PGlite + in-process queue"}); forge APIs stand-in on port ${api.port}\n`,
);

// GitHub: the real workflow_job failure example from @octokit/webhooks-examples, as an App delivery.
const examples = require("@octokit/webhooks-examples/api.github.com/index.json");
const job = structuredClone(
  examples.find((e) => e.name === "workflow_job").examples.find((x) => x.workflow_job.conclusion === "failure"),
);
job.installation = { id: 1 };
Object.assign(job.workflow_job, { id: 4001, head_sha: GH_SHA, name: "test" });
const ghBody = JSON.stringify(job);
const ghRes = await fetch(`${base}/api/github/webhooks`, {
  method: "POST",
  headers: {
    "content-type": "application/json",
    "x-github-event": "workflow_job",
    "x-github-delivery": `demo-${Date.now()}`,
    "x-hub-signature-256": "sha256=" + createHmac("sha256", secret).update(ghBody).digest("hex"),
  },
  body: ghBody,
});
console.log(`GitHub workflow_job delivery -> HTTP ${ghRes.status}`);

// GitLab: the documented Pipeline hook example, as a failed MR pipeline.
const pipeline = JSON.parse(fixture("test/fixtures/gitlab-hooks/pipeline-event.json"));
pipeline.object_attributes.status = "failed";
const glRes = await fetch(`${base}/api/gitlab/webhook`, {
  method: "POST",
  headers: {
    "content-type": "application/json",
    "x-gitlab-event": "Pipeline Hook",
    "x-gitlab-token": secret,
    "idempotency-key": `demo-${Date.now()}`,
  },
  body: JSON.stringify(pipeline),
});
console.log(`GitLab Pipeline Hook delivery -> HTTP ${glRes.status}\n`);

await sentinel.queue.idle(60_000);

for (const [forge, repo, sha] of [
  ["github", GH_REPO, GH_SHA],
  ["gitlab", "gitlab-org/gitlab-test", GL_SHA],
]) {
  for (const f of await sentinel.store.failures.onCommit(forge, repo, sha)) {
    const d = (await sentinel.store.diagnoses.get(f.failureKey))?.diagnosis;
    console.log(`stored diagnosis ${f.failureKey} [${f.status}]: ${d?.summary ?? "-"}`);
    console.log(`  fingerprint ${d?.fingerprint}, first error at log line ${d?.firstErrorLine?.lineNumber}`);
  }
}
for (const run of api.state.checkRuns.values()) {
  console.log(
    `\nGitHub check run "${run.name}" on ${run.head_sha.slice(0, 7)}: ${run.conclusion}, "${run.output.title}"`,
  );
  for (const a of run.annotations)
    console.log(`  annotation ${a.path}:${a.start_line} ${a.annotation_level}: ${a.message.split("\n")[0]}`);
}
for (const c of api.state.comments.values())
  console.log(`\nGitHub sticky comment on PR #${c.issue}:\n${c.body.replace(/^/gm, "  | ")}`);
for (const s of api.state.statuses)
  console.log(`\nGitLab commit status "${s.name}" on ${s.sha.slice(0, 7)}: ${s.state}, "${s.description}"`);
for (const n of api.state.notes.values())
  console.log(`\nGitLab sticky note on MR !${n.mr}:\n${n.body.replace(/^/gm, "  | ")}`);

await sentinel.close();
await api.close();
