import { createHmac, generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runningApp } from "../support/running-app.js";
import { actionsLog, fakeGithub, issuedTokenRequests } from "../support/github-api.js";
import { serviceStack } from "../support/services.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as Array<{
  name: string;
  examples: Array<Record<string, any>>;
}>;
const example = (event: string, pick: (x: Record<string, any>) => boolean) =>
  structuredClone(examples.find((e) => e.name === event)!.examples.find(pick)!);

const SECRET = "webhook-secret-for-tests";
const INSTALLATION = 4242;
const REPO = "Codertocat/Hello-World";
const JEST_OUTPUT = readFileSync(path.resolve(import.meta.dirname, "../fixtures/tools/jest/failing.log"), "utf8");
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

/**
 * The real `workflow_job` failure example from @octokit/webhooks-examples, with what a GitHub App
 * delivery adds (`installation`) and the ids each scenario needs.
 */
function failedJob(jobId: number, sha: string, name = "test") {
  const p = example("workflow_job", (x) => x.action === "completed" && x.workflow_job.conclusion === "failure");
  p.installation = { id: INSTALLATION, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==" };
  Object.assign(p.workflow_job, {
    id: jobId,
    head_sha: sha,
    name,
    html_url: `https://github.com/${REPO}/actions/runs/1/job/${jobId}`,
  });
  return p;
}

function sha(n: number): string {
  return n.toString(16).padStart(40, "0");
}

for (const stack of serviceStack("embedded")) {
  describe.skipIf(!stack.available)(`GitHub ingestion on ${stack.name}`, () => {
    const running = runningApp({ APP_ID: "123", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET }, stack);
    let nextDelivery = 0;

    async function deliver(
      event: string,
      payload: unknown,
      opts: { id?: string; signature?: string; body?: string } = {},
    ) {
      const body = opts.body ?? JSON.stringify(payload);
      const id = opts.id ?? `delivery-${++nextDelivery}-${Date.now()}`;
      const res = await fetch(`http://127.0.0.1:${running.app.port}/api/github/webhooks`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": event,
          "x-github-delivery": id,
          "x-hub-signature-256": opts.signature ?? "sha256=" + createHmac("sha256", SECRET).update(body).digest("hex"),
        },
        body,
      });
      return { status: res.status, id };
    }

    it("turns a failed workflow_job into a stored diagnosis, a check run with annotations and one sticky comment", async () => {
      const s = sha(1);
      const gh = fakeGithub({
        repo: REPO,
        installationId: INSTALLATION,
        logs: { "5001": actionsLog("npx jest", JEST_OUTPUT) },
        pulls: { [s]: [{ number: 7, headRepo: REPO }] },
      });
      const { status, id } = await deliver("workflow_job", failedJob(5001, s));
      expect(status).toBe(200);
      await running.app.queue.idle();

      expect(await running.app.store.deliveries.get(`github:${id}`)).toMatchObject({
        event: "workflow_job",
        outcome: expect.stringContaining("github:186853002:job:5001"),
      });
      const failure = await running.app.store.failures.get("github:186853002:job:5001");
      expect(failure).toMatchObject({ status: "diagnosed", pullRequests: [{ number: 7, fromFork: false }] });
      const stored = await running.app.store.diagnoses.get("github:186853002:job:5001");
      expect(stored?.diagnosis).toMatchObject({ category: "test", tool: "jest" });

      const [check] = [...gh.checkRuns.values()];
      expect(check?.body).toMatchObject({
        name: "Sentinel",
        head_sha: s,
        conclusion: "neutral",
        output: { title: "test failure (jest) in test" },
      });
      expect(check?.annotations).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ path: "test/sum.test.js", start_line: 5, annotation_level: "failure" }),
        ]),
      );
      const comments = [...gh.comments.values()];
      expect(comments).toHaveLength(1);
      expect(comments[0]?.body).toContain("<!-- sentinel:sticky -->");
      expect(comments[0]?.body).toContain("test failure (jest)");
      // The scoped token was asked for this one repository only.
      expect(gh.calls.find((c) => c.path.endsWith("/access_tokens"))?.body).toMatchObject({
        repositories: ["Hello-World"],
      });
    });

    it("does nothing twice for a redelivered delivery", async () => {
      const s = sha(2);
      const gh = fakeGithub({
        repo: REPO,
        installationId: INSTALLATION,
        logs: { "5002": actionsLog("npx jest", JEST_OUTPUT) },
      });
      const payload = failedJob(5002, s);
      const first = await deliver("workflow_job", payload, { id: "redelivered-1" });
      await running.app.queue.idle();
      const again = await deliver("workflow_job", payload, { id: "redelivered-1" });
      await running.app.queue.idle();
      expect([first.status, again.status]).toEqual([200, 200]);
      expect(gh.calls.filter((c) => c.path.endsWith("/logs"))).toHaveLength(1);
      expect(gh.checkRuns.size).toBe(1);
    });

    it("treats the workflow_job and check_run of one job as one failure", async () => {
      const s = sha(3);
      const gh = fakeGithub({
        repo: REPO,
        installationId: INSTALLATION,
        logs: { "5003": actionsLog("npx jest", JEST_OUTPUT) },
      });
      const check = example("check_run", (x) => x.action === "completed" && x.check_run.conclusion === "failure");
      check.installation = { id: INSTALLATION };
      Object.assign(check.check_run, { id: 5003, head_sha: s, name: "test" });
      check.check_run.pull_requests = [];
      await deliver("workflow_job", failedJob(5003, s));
      await deliver("check_run", check);
      await running.app.queue.idle();
      expect(gh.calls.filter((c) => c.path.endsWith("/logs"))).toHaveLength(1);
      expect((await running.app.store.failures.onCommit("github", REPO, s)).map((f) => f.failureKey)).toEqual([
        "github:186853002:job:5003",
      ]);
    });

    it("reads `terraform fmt -check`'s bare file list as its format failure, with the command its Run step names", async () => {
      const s = sha(77);
      const output = readFileSync(
        path.resolve(import.meta.dirname, "../fixtures/tools/terraform/fmt-check.log"),
        "utf8",
      );
      fakeGithub({
        repo: REPO,
        installationId: INSTALLATION,
        logs: { "5077": actionsLog("terraform fmt -check -recursive", output, 3) },
        pulls: { [s]: [] },
      });
      const { status } = await deliver("workflow_job", failedJob(5077, s));
      expect(status).toBe(200);
      await running.app.queue.idle();
      expect((await running.app.store.diagnoses.get("github:186853002:job:5077"))?.diagnosis).toMatchObject({
        category: "format",
        tool: "terraform",
      });
    });

    it("diagnoses another CI's failed check run from its output and annotations, where there is no job log", async () => {
      const s = sha(30);
      const check = example("check_run", (x) => x.action === "completed" && x.check_run.conclusion === "failure");
      check.installation = { id: INSTALLATION };
      Object.assign(check.check_run, {
        id: 5030,
        head_sha: s,
        name: "ci/circleci: typecheck",
        details_url: "https://circleci.example.invalid/jobs/5030",
        app: { ...check.check_run.app, id: 18001, slug: "circleci-checks" },
        output: {
          title: "typecheck failed",
          summary: "npx tsc --noEmit exited with 2",
          text: "src/index.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.",
        },
      });
      check.check_run.pull_requests = [];
      const gh = fakeGithub({
        repo: REPO,
        installationId: INSTALLATION,
        logs: {},
        checkAnnotations: {
          "5030": [
            {
              path: "src/util.ts",
              start_line: 12,
              start_column: 3,
              annotation_level: "failure",
              title: "TS2345",
              message: "Argument of type 'number' is not assignable to parameter of type 'string'.",
            },
          ],
        },
      });
      await deliver("check_run", check);
      await running.app.queue.idle();
      const key = "github:186853002:check:5030";
      expect(await running.app.store.failures.get(key)).toMatchObject({
        status: "diagnosed",
        source: "check_run",
        context: { actions: false, app: "circleci-checks" },
      });
      expect((await running.app.store.diagnoses.get(key))?.diagnosis).toMatchObject({
        category: "typecheck",
        tool: "tsc",
      });
      // No job log was asked for: another CI's check has none.
      expect(gh.calls.filter((c) => c.path.endsWith("/logs"))).toEqual([]);
      const [report] = [...gh.checkRuns.values()];
      expect(report?.annotations).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ path: "src/index.ts", start_line: 3 }),
          expect.objectContaining({ path: "src/util.ts", start_line: 12 }),
        ]),
      );
    });

    it("lists the failed check runs of another CI's failed check suite", async () => {
      const s = sha(31);
      const suite = example("check_suite", (x) => x.action === "completed");
      suite.installation = { id: INSTALLATION };
      Object.assign(suite.check_suite, {
        id: 9031,
        head_sha: s,
        conclusion: "failure",
        app: { ...suite.check_suite.app, id: 18001, slug: "circleci-checks" },
        pull_requests: [],
      });
      const gh = fakeGithub({
        repo: REPO,
        installationId: INSTALLATION,
        logs: {},
        suiteRuns: {
          "9031": [
            {
              id: 5031,
              name: "ci/circleci: lint",
              conclusion: "failure",
              app: { slug: "circleci-checks" },
              output: {
                title: "lint",
                text: "/repo/src/a.js\n  1:1  error  'x' is assigned a value but never used  no-unused-vars\n\n✖ 1 problem (1 error, 0 warnings)",
              },
            },
            { id: 5032, name: "ci/circleci: build", conclusion: "success", app: { slug: "circleci-checks" } },
          ],
        },
      });
      await deliver("check_suite", suite);
      await running.app.queue.idle();
      expect(
        (await running.app.store.failures.onCommit("github", REPO, s)).map((f) => [f.failureKey, f.source, f.status]),
      ).toEqual([["github:186853002:check:5031", "check_suite", "diagnosed"]]);
      expect((await running.app.store.diagnoses.get("github:186853002:check:5031"))?.diagnosis).toMatchObject({
        category: "lint",
        tool: "eslint",
      });
      expect(gh.checkRuns.size).toBe(1);
    });

    it("edits its sticky comment and check run when a second job fails on the same pull request", async () => {
      const s = sha(4);
      const tsc = "src/index.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\n";
      const gh = fakeGithub({
        repo: REPO,
        installationId: INSTALLATION,
        logs: { "5004": actionsLog("npx jest", JEST_OUTPUT), "5005": actionsLog("npx tsc", tsc) },
        pulls: { [s]: [{ number: 8, headRepo: REPO }] },
      });
      await deliver("workflow_job", failedJob(5004, s, "test"));
      await running.app.queue.idle();
      await deliver("workflow_job", failedJob(5005, s, "typecheck"));
      await running.app.queue.idle();
      expect(gh.calls.filter((c) => c.method === "POST" && c.path.includes("/comments")).length).toBe(1);
      expect(gh.calls.filter((c) => c.method === "PATCH" && c.path.includes("/issues/comments/")).length).toBe(1);
      const [comment] = [...gh.comments.values()];
      expect(comment?.body).toContain("2 failed jobs");
      expect(gh.checkRuns.size).toBe(1);
      const [check] = [...gh.checkRuns.values()];
      expect(check?.body).toMatchObject({ output: { title: expect.stringContaining("2 failed jobs") } });
      expect(check?.annotations).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ path: "src/index.ts", start_line: 3 }),
          expect.objectContaining({ path: "test/sum.test.js" }),
        ]),
      );
    });

    it("sends annotations in batches of 50", async () => {
      const s = sha(5);
      const errors = Array.from(
        { length: 120 },
        (_, i) => `src/file${i}.ts(${i + 1},1): error TS2322: Type 'string' is not assignable to type 'number'.`,
      ).join("\n");
      const gh = fakeGithub({
        repo: REPO,
        installationId: INSTALLATION,
        logs: { "5006": actionsLog("npx tsc", errors) },
      });
      await deliver("workflow_job", failedJob(5006, s, "typecheck"));
      await running.app.queue.idle();
      const checkCalls = gh.calls.filter((c) => c.path.includes("/check-runs"));
      expect(
        checkCalls.map((c) => (c.body as { output: { annotations: unknown[] } }).output.annotations.length),
      ).toEqual([50, 50, 20]);
    });

    it("reads a log only up to the repository's cap and says it was truncated", async () => {
      const s = sha(6);
      const noise = Array.from({ length: 4000 }, (_, i) => `  ✓ passes case ${i}`).join("\n");
      const gh = fakeGithub({
        repo: REPO,
        installationId: INSTALLATION,
        logs: { "5007": actionsLog("npx jest", `${JEST_OUTPUT}\n${noise}`) },
        config: "logs:\n  maxBytes: 4096\n",
      });
      await deliver("workflow_job", failedJob(5007, s));
      await running.app.queue.idle();
      const stored = await running.app.store.diagnoses.get("github:186853002:job:5007");
      expect(stored?.diagnosis.stats).toMatchObject({ truncated: true });
      expect(stored?.diagnosis.stats.bytes).toBeLessThanOrEqual(4096);
      expect([...gh.checkRuns.values()][0]?.body).toMatchObject({
        output: { summary: expect.stringContaining("longer than the configured limit") },
      });
    });

    it("falls back to safe defaults for a broken config and shows the errors in the check run", async () => {
      const s = sha(7);
      const gh = fakeGithub({
        repo: REPO,
        installationId: INSTALLATION,
        logs: { "5008": actionsLog("npx jest", JEST_OUTPUT) },
        config: "logs:\n  maxBytes: lots\nreport:\n  sticky: yes\n",
      });
      await deliver("workflow_job", failedJob(5008, s));
      await running.app.queue.idle();
      expect((await running.app.store.failures.get("github:186853002:job:5008"))?.status).toBe("diagnosed");
      const summary = String(([...gh.checkRuns.values()][0]?.body.output as { summary: string }).summary);
      expect(summary).toContain("configuration has errors");
      expect(summary).toContain("logs.maxBytes");
    });

    it("says so when the config's _extends cannot be read, instead of dropping it silently", async () => {
      const s = sha(25);
      const gh = fakeGithub({
        repo: REPO,
        installationId: INSTALLATION,
        logs: { "5025": actionsLog("npx jest", JEST_OUTPUT) },
        config: "_extends: .github\nlogs:\n  maxBytes: 1048576\n",
      });
      await deliver("workflow_job", failedJob(5025, s));
      await running.app.queue.idle();
      const summary = String(([...gh.checkRuns.values()][0]?.body.output as { summary: string }).summary);
      expect(summary).toContain("_extends: Codertocat/.github:.github/sentinel.yml could not be read");
    });

    it("applies the organization's defaults from _extends, read with a token that also covers the owner's .github repository", async () => {
      const s = sha(26);
      // The org caps logs at 1 KiB (this log is 2.3 KiB); the repository's own file only points at the defaults.
      const gh = fakeGithub({
        repo: REPO,
        installationId: INSTALLATION,
        logs: { "5026": actionsLog("npx jest", JEST_OUTPUT) },
        config: "_extends: .github\n",
        orgFiles: { ".github/sentinel.yml": "logs:\n  maxBytes: 1024\n" },
      });
      await deliver("workflow_job", failedJob(5026, s));
      await running.app.queue.idle();
      expect((await running.app.store.diagnoses.get("github:186853002:job:5026"))?.diagnosis.stats.truncated).toBe(
        true,
      );
      const summary = String(([...gh.checkRuns.values()][0]?.body.output as { summary: string }).summary);
      expect(summary).not.toContain("could not be read");
      // The wider token is read-only and names exactly the two repositories.
      expect(issuedTokenRequests()).toContainEqual({
        repositories: ["Hello-World", ".github"],
        permissions: { contents: "read", metadata: "read" },
      });
    });

    it("only diagnoses a pull request from a fork, and says so", async () => {
      const s = sha(8);
      const gh = fakeGithub({
        repo: REPO,
        installationId: INSTALLATION,
        logs: { "5009": actionsLog("npx jest", JEST_OUTPUT) },
        pulls: { [s]: [{ number: 9, headRepo: "someone/Hello-World" }] },
      });
      await deliver("workflow_job", failedJob(5009, s));
      await running.app.queue.idle();
      expect(await running.app.store.failures.get("github:186853002:job:5009")).toMatchObject({ fromFork: true });
      expect([...gh.comments.values()][0]?.body).toContain("comes from a fork, so Sentinel only diagnoses it");
    });

    it("lists the failed jobs of a failed workflow_run", async () => {
      const s = sha(9);
      const run = example("workflow_run", (x) => x.action === "completed");
      run.installation = { id: INSTALLATION };
      run.repository.full_name = REPO;
      run.repository.id = 186853002;
      Object.assign(run.workflow_run, {
        id: 777,
        conclusion: "failure",
        head_sha: s,
        pull_requests: [],
        head_repository: { id: 186853002 },
      });
      const gh = fakeGithub({
        repo: REPO,
        installationId: INSTALLATION,
        logs: { "5010": actionsLog("npx jest", JEST_OUTPUT) },
        runJobs: {
          "777": [
            { id: 5010, name: "test", conclusion: "failure" },
            { id: 5011, name: "lint", conclusion: "success" },
          ],
        },
      });
      await deliver("workflow_run", run);
      await running.app.queue.idle();
      expect(
        (await running.app.store.failures.onCommit("github", REPO, s)).map((f) => [f.failureKey, f.source, f.status]),
      ).toEqual([["github:186853002:job:5010", "workflow_run", "diagnosed"]]);
      expect(gh.checkRuns.size).toBe(1);
    });

    it("downloads the log from blob storage without the installation token", async () => {
      const s = sha(20);
      const gh = fakeGithub({
        repo: REPO,
        installationId: INSTALLATION,
        logs: { "5020": actionsLog("npx jest", JEST_OUTPUT) },
      });
      await deliver("workflow_job", failedJob(5020, s));
      await running.app.queue.idle();
      expect(gh.blobAuthHeaders).toEqual([""]);
    });

    it("does not take over a comment someone else wrote with Sentinel's marker", async () => {
      const s = sha(21);
      const gh = fakeGithub({
        repo: REPO,
        installationId: INSTALLATION,
        logs: { "5021": actionsLog("npx jest", JEST_OUTPUT) },
        pulls: { [s]: [{ number: 31, headRepo: REPO }] },
      });
      const planted = gh.addForeignComment(31, "<!-- sentinel:sticky -->\nall green, merge it");
      await deliver("workflow_job", failedJob(5021, s));
      await running.app.queue.idle();
      expect(gh.comments.get(planted)?.body).toContain("merge it");
      expect([...gh.comments.values()].filter((c) => c.body.includes("test failure (jest)"))).toHaveLength(1);
      expect((await running.app.store.failures.get("github:186853002:job:5021"))?.status).toBe("diagnosed");
    });

    it("ignores the failure of its own check run", async () => {
      const check = example("check_run", (x) => x.action === "completed" && x.check_run.conclusion === "failure");
      check.installation = { id: INSTALLATION };
      Object.assign(check.check_run, { id: 5022, head_sha: sha(22), name: "Sentinel config" });
      check.check_run.app = { ...check.check_run.app, id: 123, slug: "sentinel" };
      const { id } = await deliver("check_run", check);
      await running.app.queue.idle();
      expect((await running.app.store.deliveries.get(`github:${id}`))?.outcome).toMatch(
        /ignored: Sentinel's own check run/,
      );
    });

    it("leaves the sticky comment alone when a late diagnosis is for a commit the pull request has moved past", async () => {
      const old = sha(23);
      const gh = fakeGithub({
        repo: REPO,
        installationId: INSTALLATION,
        logs: { "5023": actionsLog("npx jest", JEST_OUTPUT) },
        pulls: { [old]: [{ number: 32, headRepo: REPO }], [sha(24)]: [{ number: 32, headRepo: REPO }] },
      });
      await deliver("workflow_job", failedJob(5023, old));
      await running.app.queue.idle();
      // The fake reports the PR's head as the last commit listed for it (sha 24), not this one.
      expect([...gh.comments.values()]).toHaveLength(0);
      expect(gh.checkRuns.size).toBe(1);
    });

    it("rejects a wrong signature with 401 and records nothing", async () => {
      const { status, id } = await deliver("workflow_job", failedJob(5012, sha(10)), {
        signature: "sha256=" + "0".repeat(64),
      });
      expect(status).toBe(401);
      expect(await running.app.store.deliveries.get(`github:${id}`)).toBeNull();
    });

    it("rejects a missing signature with 401 and records nothing", async () => {
      const body = JSON.stringify(failedJob(5014, sha(12)));
      const res = await fetch(`http://127.0.0.1:${running.app.port}/api/github/webhooks`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "workflow_job",
          "x-github-delivery": "unsigned-1",
        },
        body,
      });
      expect(res.status).toBe(401);
      expect(await running.app.store.deliveries.get("github:unsigned-1")).toBeNull();
    });

    it("keeps the list of installed repositories current from installation events", async () => {
      const created = example("installation", (x) => x.action === "created");
      await deliver("installation", created);
      await running.app.queue.idle();
      const added = created.repositories.map((r: { full_name: string }) => r.full_name);
      expect(await running.app.store.installations.repos("github")).toEqual(expect.arrayContaining(added));
      const deleted = structuredClone(created);
      deleted.action = "deleted";
      await deliver("installation", deleted);
      await running.app.queue.idle();
      const remaining = await running.app.store.installations.repos("github");
      expect(added.filter((r: string) => remaining.includes(r))).toEqual([]);
    });

    it("rejects a body that is not JSON with 4xx and records nothing", async () => {
      const { status, id } = await deliver("workflow_job", null, { body: "{not json" });
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
      expect(await running.app.store.deliveries.get(`github:${id}`)).toBeNull();
    });

    it("ignores a failure of a repository the installation no longer covers, with the reason, without retrying", async () => {
      const s = sha(32);
      const removed = "Codertocat/Removed-Repo";
      const gh = fakeGithub({
        repo: removed,
        installationId: INSTALLATION,
        logs: { "5032": actionsLog("npx jest", JEST_OUTPUT) },
        installedRepos: ["Hello-World"],
      });
      const p = failedJob(5032, s);
      Object.assign(p.repository, { full_name: removed, name: "Removed-Repo", id: 555001 });
      await deliver("workflow_job", p);
      await running.app.queue.idle();
      expect(await running.app.store.failures.get("github:555001:job:5032")).toMatchObject({
        status: "ignored",
        error: expect.stringContaining("Removed-Repo is not covered by installation"),
      });
      expect(gh.calls.filter((c) => c.path.endsWith("/access_tokens"))).toHaveLength(1);
      expect(gh.checkRuns.size).toBe(0);
    });

    it("records but ignores a delivery from outside an installation, with the reason", async () => {
      const p = failedJob(5013, sha(11));
      delete p.installation;
      const { status, id } = await deliver("workflow_job", p);
      await running.app.queue.idle();
      expect(status).toBe(200);
      expect((await running.app.store.deliveries.get(`github:${id}`))?.outcome).toMatch(
        /ignored: .*without an installation/,
      );
    });
  });
}

describe("a pull request that changes Sentinel's own files", () => {
  const running = runningApp({ APP_ID: "123", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET });

  function pullRequest(number: number, headSha: string) {
    const p = example("pull_request", (x) => x.action === "opened");
    p.installation = { id: INSTALLATION };
    p.repository.full_name = REPO;
    p.repository.id = 186853002;
    p.number = number;
    p.pull_request.number = number;
    p.pull_request.head.sha = headSha;
    return p;
  }

  async function deliverPr(payload: unknown) {
    const body = JSON.stringify(payload);
    await fetch(`http://127.0.0.1:${running.app.port}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-github-delivery": `pr-${Math.random()}`,
        "x-hub-signature-256": "sha256=" + createHmac("sha256", SECRET).update(body).digest("hex"),
      },
      body,
    });
    await running.app.queue.idle();
  }

  it("gets them validated at its head, with file:line errors on a failing 'Sentinel config' check", async () => {
    const s = sha(100);
    const gh = fakeGithub({
      repo: REPO,
      installationId: INSTALLATION,
      logs: {},
      prFiles: { 21: [".github/sentinel.yml", ".github/sentinels/deploy.yml", "src/index.ts"] },
      headFiles: {
        ".github/sentinel.yml": "sentinels:\n  files: [.github/sentinels/deploy.yml]\nlogs:\n  maxBytes: -1\n",
        ".github/sentinels/deploy.yml": "id: deploy\nname: Deploy\nmatchers:\n  - id: bad\n    pattern: '(?<=x)y'\n",
      },
    });
    await deliverPr(pullRequest(21, s));
    const [check] = [...gh.checkRuns.values()];
    expect(check?.body).toMatchObject({ name: "Sentinel config", head_sha: s, conclusion: "failure" });
    expect(check?.annotations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: ".github/sentinel.yml", annotation_level: "failure" }),
        expect.objectContaining({
          path: ".github/sentinels/deploy.yml",
          start_line: 5,
          message: expect.stringContaining("E_PATTERN_SYNTAX"),
        }),
      ]),
    );
  });

  it("validates the recipe files the config names", async () => {
    const s = sha(103);
    const gh = fakeGithub({
      repo: REPO,
      installationId: INSTALLATION,
      logs: {},
      prFiles: { 24: [".github/sentinel.yml", ".github/recipes/ours.yml"] },
      headFiles: {
        ".github/sentinel.yml": "fix:\n  enabled: true\n  recipes: [.github/recipes/ours.yml]\n",
        ".github/recipes/ours.yml": "id: ours\nname: Ours\nhandles: { categories: [nonsense] }\nsteps: []\n",
      },
    });
    await deliverPr(pullRequest(24, s));
    const [check] = [...gh.checkRuns.values()];
    expect(check?.body).toMatchObject({ name: "Sentinel config", conclusion: "failure" });
    expect(check?.annotations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: ".github/recipes/ours.yml",
          message: expect.stringContaining("handles.categories"),
        }),
      ]),
    );
  });

  it("reports valid files as a passing check", async () => {
    const s = sha(101);
    const gh = fakeGithub({
      repo: REPO,
      installationId: INSTALLATION,
      logs: {},
      prFiles: { 22: [".github/sentinel.yml"] },
      headFiles: { ".github/sentinel.yml": "logs:\n  maxBytes: 1048576\n" },
    });
    await deliverPr(pullRequest(22, s));
    expect([...gh.checkRuns.values()][0]?.body).toMatchObject({ name: "Sentinel config", conclusion: "success" });
  });

  it("says nothing on a pull request that does not touch them", async () => {
    const gh = fakeGithub({ repo: REPO, installationId: INSTALLATION, logs: {}, prFiles: { 23: ["src/index.ts"] } });
    await deliverPr(pullRequest(23, sha(102)));
    expect(gh.checkRuns.size).toBe(0);
  });
});

describe("GitHub Enterprise Server (GHE_HOST)", () => {
  const running = runningApp({
    APP_ID: "123",
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: SECRET,
    GHE_HOST: "ghe.example.invalid",
    GHE_PROTOCOL: "https",
  });

  it("creates the scoped token, reads the log and reports on the enterprise host's /api/v3", async () => {
    const s = sha(40);
    const gh = fakeGithub({
      repo: REPO,
      installationId: INSTALLATION,
      logs: { "5040": actionsLog("npx jest", JEST_OUTPUT) },
      pulls: { [s]: [{ number: 41, headRepo: REPO }] },
      baseUrl: "https://ghe.example.invalid/api/v3",
    });
    const body = JSON.stringify(failedJob(5040, s));
    const res = await fetch(`http://127.0.0.1:${running.app.port}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "workflow_job",
        "x-github-delivery": "ghe-1",
        "x-hub-signature-256": "sha256=" + createHmac("sha256", SECRET).update(body).digest("hex"),
      },
      body,
    });
    expect(res.status).toBe(200);
    await running.app.queue.idle();
    expect(gh.calls.some((c) => c.path === `/api/v3/app/installations/${INSTALLATION}/access_tokens`)).toBe(true);
    expect(gh.checkRuns.size).toBe(1);
    expect(gh.comments.size).toBe(1);
  });
});
