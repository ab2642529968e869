import { createHmac, generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GovernanceStore } from "../../src/store/index.js";
import { actionsLog, fakeGithub } from "../support/github-api.js";
import { readCorpusLog } from "../support/log-corpus.js";
import { runningApp } from "../support/running-app.js";
import { serviceStack } from "../support/services.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as Array<{
  name: string;
  examples: Array<Record<string, any>>;
}>;
const example = (event: string, pick: (x: Record<string, any>) => boolean) =>
  structuredClone(examples.find((e) => e.name === event)!.examples.find(pick)!);

const SECRET = "flaky-secret";
const INSTALLATION = 6161;
const JEST_OUTPUT = readFileSync(path.resolve(import.meta.dirname, "../fixtures/tools/jest/failing.log"), "utf8");
const FLAKY_LOG = actionsLog("npx jest", JEST_OUTPUT);
// Real GitHub Actions logs (pytorch/test-infra's classifier fixtures): a runner shut down mid-job, a step that hit its time limit.
const RUNNER_SHUTDOWN_LOG = readCorpusLog("pytorch-test-infra__gha_cancellation_shutdown.txt").text;
const STEP_TIMEOUT_LOG = readCorpusLog("pytorch-test-infra__gha_timeout.txt").text;
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

let repoCounter = 0;

/** A repository of its own per test, so re-run budgets, flaky counts and cached tokens never leak between tests. */
function newRepo(what: string) {
  const n = ++repoCounter;
  return { fullName: `Codertocat/${what}-${n}`, id: 610_000 + n };
}

function sha(n: number): string {
  return n.toString(16).padStart(40, "0");
}

/**
 * The real completed `workflow_job` examples from @octokit/webhooks-examples (the failed one and
 * the successful one), with what an App delivery adds (`installation`) and the ids the scenario
 * needs. The clone URL leads nowhere: a fix run would fail loudly, and none must start.
 */
function completedJob(
  repo: { fullName: string; id: number },
  o: { id: number; sha: string; conclusion: "success" | "failure"; name?: string; attempt?: number; branch?: string },
) {
  const p = example("workflow_job", (x) => x.action === "completed" && x.workflow_job.conclusion === o.conclusion);
  p.installation = { id: INSTALLATION };
  Object.assign(p.repository, {
    id: repo.id,
    full_name: repo.fullName,
    name: repo.fullName.split("/")[1],
    clone_url: "/nonexistent/sentinel-flaky-test.git",
  });
  Object.assign(p.workflow_job, {
    id: o.id,
    head_sha: o.sha,
    name: o.name ?? "test",
    run_attempt: o.attempt ?? 1,
    html_url: `https://github.com/${repo.fullName}/actions/runs/1/job/${o.id}`,
    ...(o.branch ? { head_branch: o.branch } : {}),
  });
  return p;
}

for (const stack of serviceStack("services")) {
  describe.skipIf(!stack.available)(`flaky, infra and timeout failures on GitHub, on ${stack.name}`, () => {
    const running = runningApp(
      {
        APP_ID: "123",
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET: SECRET,
        SENTINEL_WORK_DIR: `/tmp/sentinel-flaky-work-${process.pid}-${stack.name.length}`,
      },
      stack,
    );
    let deliveries = 0;

    async function deliver(payload: unknown) {
      const body = JSON.stringify(payload);
      const res = await fetch(`http://127.0.0.1:${running.app.port}/api/github/webhooks`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "workflow_job",
          "x-github-delivery": `flaky-${stack.name.length}-${++deliveries}`,
          "x-hub-signature-256": "sha256=" + createHmac("sha256", SECRET).update(body).digest("hex"),
        },
        body,
      });
      expect(res.status).toBe(200);
      await running.app.queue.idle(60_000);
    }

    const failureKey = (repo: { id: number }, jobId: number) => `github:${repo.id}:job:${jobId}`;
    const decision = async (repo: { id: number }, jobId: number) =>
      (await new GovernanceStore(running.app.store.db).decisions([failureKey(repo, jobId)])).get(
        failureKey(repo, jobId),
      );
    const sticky = (gh: ReturnType<typeof fakeGithub>, pr: number) =>
      [...gh.comments.values()].find((c) => c.issue === pr && c.body.includes("<!-- sentinel:sticky -->"))?.body ?? "";
    const fixRuns = async (repo: { fullName: string }) =>
      (await running.app.store.db.query("SELECT run_id FROM runs WHERE repo = $1", [repo.fullName])).rows;

    it("re-runs a job that passed and failed on the same commit once, says so in the sticky comment, and runs no fix even in propose mode", async () => {
      const repo = newRepo("flaky-rerun");
      const s = sha(1);
      const gh = fakeGithub({
        repo: repo.fullName,
        installationId: INSTALLATION,
        logs: { "6002": FLAKY_LOG },
        config: "mode: propose\n",
        pulls: { [s]: [{ number: 71, headRepo: repo.fullName }] },
      });
      await deliver(completedJob(repo, { id: 6001, sha: s, conclusion: "success" }));
      await deliver(completedJob(repo, { id: 6002, sha: s, conclusion: "failure" }));

      expect((await running.app.store.diagnoses.get(failureKey(repo, 6002)))?.flaky).toBe(true);
      expect(gh.reruns).toEqual(["6002"]);
      expect(await decision(repo, 6002)).toMatchObject({ verdict: "rerun", rule: null });
      expect(sticky(gh, 71)).toMatch(/- 🔁 test: re-running the failed job: the failure looks flaky/);
      expect(gh.opened).toHaveLength(0);
      expect(await fixRuns(repo)).toEqual([]);
    });

    it("re-runs, and does not fix, a pull request's failure that the default branch already has", async () => {
      const repo = newRepo("preexisting");
      const onMaster = sha(40);
      const onBranch = sha(41);
      // The example repository's default branch is master: the same test already fails there
      // (diagnosed while the repository was diagnose-only, so no fix run of its own).
      const before = fakeGithub({
        repo: repo.fullName,
        installationId: INSTALLATION,
        logs: { "6401": FLAKY_LOG },
        config: "mode: diagnose\n",
      });
      await deliver(completedJob(repo, { id: 6401, sha: onMaster, conclusion: "failure", branch: "master" }));
      before.done(); // then the repository opts in to fixes
      const gh = fakeGithub({
        repo: repo.fullName,
        installationId: INSTALLATION,
        logs: { "6402": FLAKY_LOG },
        config: "mode: propose\n",
        pulls: { [onBranch]: [{ number: 74, headRepo: repo.fullName }] },
      });
      await deliver(completedJob(repo, { id: 6402, sha: onBranch, conclusion: "failure", branch: "feature" }));
      expect(await decision(repo, 6402)).toMatchObject({ verdict: "rerun" });
      expect(gh.reruns).toContain("6402");
      expect(sticky(gh, 74)).toMatch(/- 🔁 test: re-running the failed job/);
      expect(gh.opened).toHaveLength(0);
      expect(await fixRuns(repo)).toEqual([]);
    });

    it("does not re-run a second flaky failure on the commit once policy.rerun.maxPerCommit is used up, and names the rule", async () => {
      const repo = newRepo("flaky-budget");
      const s = sha(2);
      const gh = fakeGithub({
        repo: repo.fullName,
        installationId: INSTALLATION,
        logs: { "6012": FLAKY_LOG, "6013": FLAKY_LOG },
        config: "policy:\n  rerun:\n    maxPerCommit: 1\n",
        pulls: { [s]: [{ number: 72, headRepo: repo.fullName }] },
      });
      await deliver(completedJob(repo, { id: 6011, sha: s, conclusion: "success" }));
      await deliver(completedJob(repo, { id: 6012, sha: s, conclusion: "failure" }));
      // The re-run failed again: GitHub reports the new attempt as a job of its own.
      await deliver(completedJob(repo, { id: 6013, sha: s, conclusion: "failure", attempt: 2 }));

      expect(gh.reruns).toEqual(["6012"]);
      expect(await decision(repo, 6013)).toMatchObject({ verdict: "denied", rule: "policy.rerun.maxPerCommit" });
      expect(sticky(gh, 72)).toContain("stopped by `policy.rerun.maxPerCommit`");
    });

    it.each([
      ["infra", "an infra failure (the runner received a shutdown signal)", RUNNER_SHUTDOWN_LOG],
      ["timeout", "a timeout failure (a step hit its time limit)", STEP_TIMEOUT_LOG],
    ])("re-runs %s and never fixes it", async (category, _what, log) => {
      const repo = newRepo(`${category}-rerun`);
      const s = sha(3);
      const gh = fakeGithub({
        repo: repo.fullName,
        installationId: INSTALLATION,
        logs: { "6021": log },
        config: "mode: propose\n",
        pulls: { [s]: [{ number: 73, headRepo: repo.fullName }] },
      });
      await deliver(completedJob(repo, { id: 6021, sha: s, conclusion: "failure" }));

      const stored = await running.app.store.diagnoses.get(failureKey(repo, 6021));
      expect(stored).toMatchObject({ flaky: false, diagnosis: { category } });
      expect(gh.reruns).toEqual(["6021"]);
      expect(await decision(repo, 6021)).toMatchObject({ verdict: "rerun" });
      expect(sticky(gh, 73)).toContain(`re-running the failed job: the failure looks ${category}`);
      expect(gh.opened).toHaveLength(0);
      expect(await fixRuns(repo)).toEqual([]);
    });

    it("re-runs nothing with policy.rerun.enabled: false, and says so", async () => {
      const repo = newRepo("rerun-off");
      const s = sha(4);
      const gh = fakeGithub({
        repo: repo.fullName,
        installationId: INSTALLATION,
        logs: { "6032": FLAKY_LOG },
        config: "policy:\n  rerun:\n    enabled: false\n",
        pulls: { [s]: [{ number: 74, headRepo: repo.fullName }] },
      });
      await deliver(completedJob(repo, { id: 6031, sha: s, conclusion: "success" }));
      await deliver(completedJob(repo, { id: 6032, sha: s, conclusion: "failure" }));

      expect(gh.reruns).toEqual([]);
      expect(gh.calls.filter((c) => c.path.endsWith("/rerun"))).toEqual([]);
      expect(await decision(repo, 6032)).toMatchObject({ verdict: "denied", rule: "policy.rerun.enabled" });
      expect(sticky(gh, 74)).toContain("stopped by `policy.rerun.enabled`: re-running failed jobs is off");
    });

    it("opens one tracking issue after policy.flaky.trackingIssueAfter flaky occurrences of a failure, and updates it on the next instead of opening another", async () => {
      const repo = newRepo("flaky-tracking");
      const logs: Record<string, string> = { "6042": FLAKY_LOG, "6044": FLAKY_LOG, "6046": FLAKY_LOG };
      const gh = fakeGithub({
        repo: repo.fullName,
        installationId: INSTALLATION,
        logs,
        config: "policy:\n  flaky:\n    trackingIssueAfter: 2\n",
      });
      const issueCalls = () =>
        gh.calls
          .filter((c) => /\/issues(\/\d+)?$/.test(c.path) && c.method !== "GET")
          .map((c) => `${c.method} ${c.path.replace(/^.*\/repos\/[^/]+\/[^/]+/, "")}`);
      const flakeOn = async (commit: string, passed: number, failed: number) => {
        await deliver(completedJob(repo, { id: passed, sha: commit, conclusion: "success" }));
        await deliver(completedJob(repo, { id: failed, sha: commit, conclusion: "failure" }));
      };

      await flakeOn(sha(5), 6041, 6042);
      expect(issueCalls()).toEqual([]);
      await flakeOn(sha(6), 6043, 6044);
      expect(issueCalls()).toEqual(["POST /issues"]);
      const [opened] = [...gh.issues.values()];
      expect(opened).toMatchObject({
        state: "open",
        title: expect.stringMatching(/^Flaky: test /),
        labels: ["flaky", "sentinel"],
      });
      expect(opened?.body).toContain("**2 times**");
      await flakeOn(sha(7), 6045, 6046);
      expect(issueCalls()).toEqual(["POST /issues", `PATCH /issues/${opened!.number}`]);
      expect(gh.issues.size).toBe(1);
      expect(gh.issues.get(opened!.number)?.body).toContain("**3 times**");
    });

    it("re-runs with an installation token created with actions: write for this repository only", async () => {
      const repo = newRepo("rerun-token");
      const s = sha(8);
      const gh = fakeGithub({ repo: repo.fullName, installationId: INSTALLATION, logs: { "6052": FLAKY_LOG } });
      await deliver(completedJob(repo, { id: 6051, sha: s, conclusion: "success" }));
      await deliver(completedJob(repo, { id: 6052, sha: s, conclusion: "failure" }));

      const rerun = gh.calls.find((c) => c.method === "POST" && c.path.endsWith("/actions/jobs/6052/rerun"));
      expect(rerun).toBeDefined();
      const used = gh.tokens.find((t) => rerun!.authorization === `token ${t.token}`);
      expect(used?.body).toMatchObject({
        repositories: [repo.fullName.split("/")[1]],
        permissions: { actions: "write" },
      });
      // Reading the log needed no more than read access to Actions.
      const logRead = gh.tokens.filter(
        (t) => (t.body as { permissions: Record<string, string> }).permissions.actions === "read",
      );
      expect(logRead.length).toBeGreaterThan(0);
    });

    it("counts the attempts of one job as one failed job for policy.rerun.maxFailedJobs", async () => {
      const repo = newRepo("flaky-attempts");
      const s = sha(9);
      const gh = fakeGithub({
        repo: repo.fullName,
        installationId: INSTALLATION,
        logs: { "6062": FLAKY_LOG, "6063": FLAKY_LOG, "6064": FLAKY_LOG },
        config: "policy:\n  rerun:\n    maxPerCommit: 3\n",
      });
      await deliver(completedJob(repo, { id: 6061, sha: s, conclusion: "success" }));
      await deliver(completedJob(repo, { id: 6062, sha: s, conclusion: "failure" }));
      await deliver(completedJob(repo, { id: 6063, sha: s, conclusion: "failure", attempt: 2 }));
      await deliver(completedJob(repo, { id: 6064, sha: s, conclusion: "failure", attempt: 3 }));

      // One job ("test") failed, three times: within maxFailedJobs (2), and maxPerCommit (3) allows three re-runs.
      expect(await decision(repo, 6064)).toMatchObject({ verdict: "rerun" });
      expect(gh.reruns).toEqual(["6062", "6063", "6064"]);
    });

    it("still reports a flaky failure in the sticky comment when GitHub refuses to re-run the job, and says why", async () => {
      const repo = newRepo("rerun-refused");
      const s = sha(10);
      const refusal = "Unable to retry this workflow run because it was created over a month ago";
      const gh = fakeGithub({
        repo: repo.fullName,
        installationId: INSTALLATION,
        logs: { "6072": FLAKY_LOG },
        pulls: { [s]: [{ number: 76, headRepo: repo.fullName }] },
        rerunRefused: { "6072": refusal },
      });
      await deliver(completedJob(repo, { id: 6071, sha: s, conclusion: "success" }));
      await deliver(completedJob(repo, { id: 6072, sha: s, conclusion: "failure" }));

      expect((await running.app.store.failures.get(failureKey(repo, 6072)))?.status).toBe("diagnosed");
      expect(sticky(gh, 76)).toContain("test failure (jest)");
      expect((await decision(repo, 6072))?.message).toContain(refusal);
      // A refusal is an answer, not an outage: asking again and again changes nothing.
      expect(gh.calls.filter((c) => c.path.endsWith("/actions/jobs/6072/rerun"))).toHaveLength(1);
    }, 60_000);

    it("re-runs nothing when the config has errors, though it turned re-runs off: errors mean diagnose only", async () => {
      const repo = newRepo("rerun-broken-config");
      const s = sha(11);
      const gh = fakeGithub({
        repo: repo.fullName,
        installationId: INSTALLATION,
        logs: { "6082": FLAKY_LOG },
        config: "policy:\n  rerun:\n    enabled: false\nlogs:\n  maxBytes: lots\n",
        pulls: { [s]: [{ number: 77, headRepo: repo.fullName }] },
      });
      await deliver(completedJob(repo, { id: 6081, sha: s, conclusion: "success" }));
      await deliver(completedJob(repo, { id: 6082, sha: s, conclusion: "failure" }));

      expect(sticky(gh, 77)).toContain("configuration has 1 error");
      expect(gh.reruns).toEqual([]);
    });
  });
}
