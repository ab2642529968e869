// A secondary lookup that fails degrades the report, it never drops it: the diagnosis still
// reaches the commit's check run when the forge cannot say which pull requests hold the commit.
import { readFileSync } from "node:fs";
import path from "node:path";
import { nock } from "../support/http-mock.js";
import { describe, expect, it } from "vitest";
import { actionsLog, fakeGithub } from "../support/github-api.js";
import { deliverGithub, failedWorkflowJob, TEST_PRIVATE_KEY } from "../support/github-webhooks.js";
import { runningApp } from "../support/running-app.js";

const SECRET = "degraded-report-secret";
const INSTALLATION = 4343;
const REPO = "Codertocat/Hello-World";
/** The example payload's repository id, which the failure's key carries. */
const REPO_ID = 186853002;
const JEST_OUTPUT = readFileSync(path.resolve(import.meta.dirname, "../fixtures/tools/jest/failing.log"), "utf8");

describe("a diagnosis whose pull request lookup fails", () => {
  const running = runningApp({ APP_ID: "123", PRIVATE_KEY: TEST_PRIVATE_KEY, WEBHOOK_SECRET: SECRET });

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
    const job = failedWorkflowJob({
      installation: INSTALLATION,
      repo: REPO,
      repoId: REPO_ID,
      sha,
      jobId: 5901,
      name: "test",
    });
    const res = await deliverGithub(running.app.port, SECRET, "workflow_job", job, "degraded-1");
    expect(res.status).toBe(200);
    await running.app.queue.idle();

    expect(lookup.isDone()).toBe(true);
    expect(await running.app.store.failures.get("github:186853002:job:5901")).toMatchObject({
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
