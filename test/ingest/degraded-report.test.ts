// A secondary lookup that fails degrades the report, it never drops it: the diagnosis still
// reaches the commit's check run when the forge cannot say which pull requests hold the commit.
import { createHmac, generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { nock } from "../support/http-mock.js";
import { describe, expect, it } from "vitest";
import { actionsLog, fakeGithub } from "../support/github-api.js";
import { runningApp } from "../support/running-app.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as Array<{
  name: string;
  examples: Array<Record<string, unknown>>;
}>;

const SECRET = "degraded-report-secret";
const INSTALLATION = 4343;
const REPO = "Codertocat/Hello-World";
const JEST_OUTPUT = readFileSync(path.resolve(import.meta.dirname, "../fixtures/tools/jest/failing.log"), "utf8");
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

/** The real failed `workflow_job` example, with the installation and the ids this test needs. */
function failedJob(jobId: number, sha: string): Record<string, unknown> {
  const all = examples.find((e) => e.name === "workflow_job")?.examples ?? [];
  const job = (x: Record<string, unknown>) => x.workflow_job as Record<string, unknown>;
  const p = structuredClone(all.find((x) => x.action === "completed" && job(x).conclusion === "failure")) as Record<
    string,
    unknown
  >;
  p.installation = { id: INSTALLATION, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDM0Mw==" };
  Object.assign(job(p), {
    id: jobId,
    head_sha: sha,
    name: "test",
    html_url: `https://github.com/${REPO}/actions/runs/1/job/${jobId}`,
  });
  return p;
}

describe("a diagnosis whose pull request lookup fails", () => {
  const running = runningApp({ APP_ID: "123", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET });

  it("is still reported on the commit's check run, without pull request comments", async () => {
    const sha = "ab".repeat(20);
    // Registered before the fake GitHub, so it answers first: GitHub's 404 for "pull requests for this commit".
    const lookup = nock("https://api.github.com")
      .get(`/repos/${REPO}/commits/${sha}/pulls`)
      .reply(404, { message: "Not Found" });
    const gh = fakeGithub({
      repo: REPO,
      installationId: INSTALLATION,
      logs: { "5901": actionsLog("npx jest", JEST_OUTPUT) },
      pulls: { [sha]: [{ number: 9, headRepo: REPO }] },
    });
    const body = JSON.stringify(failedJob(5901, sha));
    const res = await fetch(`http://127.0.0.1:${running.app.port}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "workflow_job",
        "x-github-delivery": "degraded-1",
        "x-hub-signature-256": "sha256=" + createHmac("sha256", SECRET).update(body).digest("hex"),
      },
      body,
    });
    expect(res.status).toBe(200);
    await running.app.queue.idle();

    expect(lookup.isDone()).toBe(true);
    expect(await running.app.store.getFailure("github:186853002:job:5901")).toMatchObject({
      status: "diagnosed",
      pullRequests: [],
    });
    const [check] = [...gh.checkRuns.values()];
    expect(check?.body).toMatchObject({
      name: "Sentinel",
      head_sha: sha,
      output: { title: "test failure (jest) in test" },
    });
    expect([...gh.comments.values()]).toHaveLength(0);
  });
});
