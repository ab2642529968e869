import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runningApp } from "../support/running-app.js";
import { fakeGitlab, fakeGitlabProject, gitlabTrace } from "../support/gitlab-api.js";
import { serviceStack } from "../support/services.js";

const HOOKS = path.resolve(import.meta.dirname, "../fixtures/gitlab-hooks");
const SECRET = "gitlab-hook-secret";
const GITLAB = "https://gitlab.example.invalid";
const fixture = (name: string) => JSON.parse(readFileSync(path.join(HOOKS, name), "utf8")) as Record<string, any>;
const JEST_OUTPUT = readFileSync(path.resolve(import.meta.dirname, "../fixtures/tools/jest/failing.log"), "utf8");
const TSC_OUTPUT = readFileSync(path.resolve(import.meta.dirname, "../fixtures/tools/tsc/type-errors.log"), "utf8");

/**
 * GitLab's documented Pipeline hook payload (fixtures/gitlab-hooks, see sources.json), turned
 * into a failed MR pipeline: the documented `test-build` job already failed; `build-image` fails too.
 */
function failedPipeline(sha: string) {
  const p = fixture("pipeline-event.json");
  p.object_attributes.status = "failed";
  p.object_attributes.sha = sha;
  for (const b of p.builds) if (b.name === "build-image") b.status = "failed";
  return p;
}

/** GitLab's documented Job hook payload, as the failure of job 1977. */
function failedJob(sha: string, jobId?: number) {
  const p = fixture("job-event.json");
  p.build_status = "failed";
  p.sha = sha;
  if (jobId !== undefined) p.build_id = jobId;
  return p;
}

for (const stack of serviceStack("services")) {
  describe.skipIf(!stack.available)(`GitLab ingestion (self-managed URL) on ${stack.name}`, () => {
    const running = runningApp(
      { GITLAB_WEBHOOK_SECRET: SECRET, GITLAB_TOKEN: "glpat-test-token", GITLAB_URL: GITLAB },
      stack,
    );

    async function hook(event: string, payload: unknown, headers: Record<string, string> = {}) {
      const res = await fetch(`http://127.0.0.1:${running.app.port}/api/gitlab/webhook`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-gitlab-event": event, "x-gitlab-token": SECRET, ...headers },
        body: typeof payload === "string" ? payload : JSON.stringify(payload),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    }

    it("diagnoses both failed jobs of a failed MR pipeline: commit statuses and one sticky MR note", async () => {
      const sha = "a".repeat(39) + "1";
      const gl = fakeGitlab({
        baseUrl: GITLAB,
        projectId: 1,
        traces: { "378": gitlabTrace("npx jest", JEST_OUTPUT), "376": gitlabTrace("npx tsc", TSC_OUTPUT) },
      });
      const res = await hook("Pipeline Hook", failedPipeline(sha), { "idempotency-key": `pipe-${stack.name}` });
      expect(res.status).toBe(202);
      await running.app.queue.idle();
      const failures = await running.app.store.failures.onCommit("gitlab", "gitlab-org/gitlab-test", sha);
      expect(failures.map((f) => [f.failureKey, f.status]).sort()).toEqual([
        ["gitlab:1:job:376", "diagnosed"],
        ["gitlab:1:job:378", "diagnosed"],
      ]);
      expect((await running.app.store.diagnoses.get("gitlab:1:job:378"))?.diagnosis).toMatchObject({
        category: "test",
        tool: "jest",
      });
      expect((await running.app.store.diagnoses.get("gitlab:1:job:376"))?.diagnosis).toMatchObject({
        category: "typecheck",
      });
      expect(gl.statuses.map((s) => s.name)).toEqual(["Sentinel", "Sentinel"]);
      expect(gl.notes.size).toBe(1);
      expect([...gl.notes.values()][0]?.body).toContain("2 failed jobs");
      expect(gl.calls.filter((c) => c.method === "PUT")).toHaveLength(1);
    });

    it("posts no note when a fork's pipeline names a merge request of the parent project (its iid numbers another project's merge request)", async () => {
      const sha = "f".repeat(39) + "3";
      // The pipeline ran in the fork (project 1); merge request !1 lives in the parent, project 2.
      const p = failedPipeline(sha);
      Object.assign(p.merge_request, { source_project_id: 1, target_project_id: 2 });
      for (const b of p.builds) b.id += 50_000;
      const gl = fakeGitlab({
        baseUrl: GITLAB,
        projectId: 1,
        traces: { "50378": gitlabTrace("npx jest", JEST_OUTPUT), "50376": gitlabTrace("npx tsc", TSC_OUTPUT) },
      });
      await hook("Pipeline Hook", p, { "idempotency-key": `fork-pipe-${stack.name}` });
      await running.app.queue.idle();
      const failure = await running.app.store.failures.get("gitlab:1:job:50378");
      expect(failure).toMatchObject({
        status: "diagnosed",
        pullRequests: [],
        context: { mergeRequestElsewhere: { projectId: 2, iid: 1 } },
      });
      expect(gl.notes.size).toBe(0);
      expect(gl.statuses.map((s) => s.name)).toEqual(["Sentinel", "Sentinel"]);
    });

    it("posts no note on a job whose commit's merge requests belong to another project", async () => {
      const sha = "f".repeat(39) + "4";
      const gl = fakeGitlab({
        baseUrl: GITLAB,
        projectId: 380,
        traces: { "51977": gitlabTrace("npx jest", JEST_OUTPUT) },
        mergeRequests: { [sha]: [{ iid: 9, sourceProjectId: 380, targetProjectId: 12 }] },
      });
      await hook(
        "Job Hook",
        { ...failedJob(sha), build_id: 51977 },
        { "x-gitlab-event-uuid": `fork-job-${stack.name}` },
      );
      await running.app.queue.idle();
      expect(await running.app.store.failures.get("gitlab:380:job:51977")).toMatchObject({
        status: "diagnosed",
        pullRequests: [],
      });
      expect(gl.notes.size).toBe(0);
    });

    it("validates a merge request's change to .gitlab/sentinel.yml at its head: a failed status and one note with the errors, edited when a new commit fixes them", async () => {
      const broken = "a".repeat(39) + "7";
      const fixed = "a".repeat(39) + "8";
      const gl = fakeGitlab({
        baseUrl: GITLAB,
        projectId: 2001,
        path: "gitlab-org/config-check",
        traces: {},
        config: "mode: diagnose\n",
        mrChanges: { 5: [".gitlab/sentinel.yml", "README.md"] },
        filesAt: {
          [broken]: { ".gitlab/sentinel.yml": "mode: yolo\nlogs:\n  maxBytes: lots\n" },
          [fixed]: { ".gitlab/sentinel.yml": "mode: propose\n" },
        },
      });
      const mr = (action: string, head: string, oldrev?: string) => {
        const p = fixture("merge-request-event.json");
        Object.assign(p.project, { id: 2001, path_with_namespace: "gitlab-org/config-check" });
        Object.assign(p.object_attributes, {
          iid: 5,
          action,
          last_commit: { ...p.object_attributes.last_commit, id: head },
          ...(oldrev ? { oldrev } : {}),
        });
        return p;
      };
      await hook("Merge Request Hook", mr("open", broken), { "idempotency-key": `cfg-open-${stack.name}` });
      await running.app.queue.idle();
      expect(gl.statuses).toEqual([
        expect.objectContaining({
          sha: broken,
          name: "Sentinel config",
          state: "failed",
          description: "2 errors in Sentinel's files",
        }),
      ]);
      const notes = () => [...gl.notes.values()].filter((n) => n.mr === 5);
      expect(notes()).toHaveLength(1);
      expect(notes()[0]!.body).toMatch(/^<!-- sentinel:config -->\n\*\*Sentinel config\*\*/);
      expect(notes()[0]!.body).toContain("`.gitlab/sentinel.yml:1` error: E_CONFIG_SCHEMA: mode");
      expect(notes()[0]!.body).toContain("logs.maxBytes");

      // A title edit (no new commits) checks nothing again; a push that fixes the file edits the note.
      await hook("Merge Request Hook", mr("update", broken), { "idempotency-key": `cfg-title-${stack.name}` });
      await hook("Merge Request Hook", mr("update", fixed, broken), { "idempotency-key": `cfg-push-${stack.name}` });
      await running.app.queue.idle();
      expect(gl.statuses.map((x) => [x.sha, x.state])).toEqual([
        [broken, "failed"],
        [fixed, "success"],
      ]);
      expect(notes()).toHaveLength(1);
      expect(notes()[0]!.body).toContain("All valid. They take effect once merged into the default branch.");
    });

    it("says nothing on a merge request whose changes to Sentinel's files are valid", async () => {
      const head = "a".repeat(39) + "9";
      const gl = fakeGitlab({
        baseUrl: GITLAB,
        projectId: 2002,
        path: "gitlab-org/config-ok",
        traces: {},
        mrChanges: { 6: [".gitlab/sentinel.yml"] },
        filesAt: { [head]: { ".gitlab/sentinel.yml": "mode: shadow\n" } },
      });
      const p = fixture("merge-request-event.json");
      Object.assign(p.project, { id: 2002, path_with_namespace: "gitlab-org/config-ok" });
      Object.assign(p.object_attributes, {
        iid: 6,
        action: "open",
        last_commit: { ...p.object_attributes.last_commit, id: head },
      });
      await hook("Merge Request Hook", p, { "idempotency-key": `cfg-ok-${stack.name}` });
      await running.app.queue.idle();
      expect(gl.statuses).toEqual([expect.objectContaining({ sha: head, name: "Sentinel config", state: "success" })]);
      expect(gl.notes.size).toBe(0);
    });

    it("retries a job that passed and failed on the same commit through GitLab's job retry, once, and fixes nothing", async () => {
      const sha = "c".repeat(39) + "5";
      const gl = fakeGitlabProject({
        baseUrl: GITLAB,
        projectId: 380,
        traces: { "61978": gitlabTrace("npx jest", JEST_OUTPUT) },
        config: "mode: propose\n",
        mergeRequests: { [sha]: [{ iid: 21, sourceProjectId: 380 }] },
      });
      const job = (id: number, status: "success" | "failed") => ({
        ...failedJob(sha),
        build_id: id,
        build_status: status,
      });
      await hook("Job Hook", job(61977, "success"), { "x-gitlab-event-uuid": `flaky-ok-${stack.name}` });
      await hook("Job Hook", job(61978, "failed"), { "x-gitlab-event-uuid": `flaky-bad-${stack.name}` });
      await running.app.queue.idle();
      expect((await running.app.store.diagnoses.get("gitlab:380:job:61978"))?.flaky).toBe(true);
      expect(gl.retried).toEqual(["61978"]);
      const note = [...gl.notes.values()].find((n) => n.mr === 21)?.body ?? "";
      expect(note).toMatch(/🔁 .*re-running the failed job: the failure looks flaky/);
      expect(gl.mergeRequestsOpened).toEqual([]);
    });

    it("does nothing twice for a job hook delivered twice", async () => {
      const sha = "b".repeat(39) + "2";
      const gl = fakeGitlab({
        baseUrl: GITLAB,
        projectId: 380,
        traces: { "1977": gitlabTrace("npx jest", JEST_OUTPUT) },
        mergeRequests: { [sha]: [{ iid: 4, sourceProjectId: 380 }] },
      });
      const first = await hook("Job Hook", failedJob(sha), { "x-gitlab-event-uuid": `job-uuid-${stack.name}` });
      const again = await hook("Job Hook", failedJob(sha), { "x-gitlab-event-uuid": `job-uuid-${stack.name}` });
      await running.app.queue.idle();
      expect([first.status, again.status]).toEqual([202, 200]);
      expect(gl.calls.filter((c) => c.path.endsWith("/trace"))).toHaveLength(1);
      expect(await running.app.store.failures.get("gitlab:380:job:1977")).toMatchObject({
        status: "diagnosed",
        pullRequests: [{ number: 4, fromFork: false }],
      });
      expect(gl.notes.size).toBe(1);
    });

    it("confirms a job hook through the API, and reads nothing for a job the API says passed", async () => {
      const sha = "c".repeat(39) + "1";
      // A hook that knows the shared secret but names a job that did not fail: forged, or stale.
      const gl = fakeGitlab({
        baseUrl: GITLAB,
        projectId: 380,
        traces: { "1981": gitlabTrace("npx jest", JEST_OUTPUT) },
        jobs: { "1981": { status: "success", sha } },
        mergeRequests: { [sha]: [{ iid: 4, sourceProjectId: 380 }] },
      });
      expect((await hook("Job Hook", failedJob(sha, 1981))).status).toBe(202);
      await running.app.queue.idle();
      expect(await running.app.store.failures.get("gitlab:380:job:1981")).toMatchObject({ status: "ignored" });
      expect(gl.calls.filter((c) => c.path.endsWith("/trace"))).toHaveLength(0);
      expect(gl.notes.size).toBe(0);
      expect(gl.statuses).toHaveLength(0);
    });

    it("reads nothing for a job hook whose job the API says ran on another commit", async () => {
      const sha = "c".repeat(39) + "2";
      const gl = fakeGitlab({
        baseUrl: GITLAB,
        projectId: 380,
        traces: { "1982": gitlabTrace("npx jest", JEST_OUTPUT) },
        jobs: { "1982": { status: "failed", sha: "d".repeat(40) } },
      });
      await hook("Job Hook", failedJob(sha, 1982));
      await running.app.queue.idle();
      expect(await running.app.store.failures.get("gitlab:380:job:1982")).toMatchObject({ status: "ignored" });
      expect(gl.calls.filter((c) => c.path.endsWith("/trace"))).toHaveLength(0);
    });

    it("diagnoses a job hook the API confirms: the job failed, on that commit", async () => {
      const sha = "c".repeat(39) + "3";
      const gl = fakeGitlab({
        baseUrl: GITLAB,
        projectId: 380,
        traces: { "1983": gitlabTrace("npx jest", JEST_OUTPUT) },
        jobs: { "1983": { status: "failed", sha } },
      });
      await hook("Job Hook", failedJob(sha, 1983));
      await running.app.queue.idle();
      expect(await running.app.store.failures.get("gitlab:380:job:1983")).toMatchObject({ status: "diagnosed" });
      expect(gl.calls.map((c) => c.path).filter((path) => path.includes("/jobs/1983"))).toEqual([
        "/api/v4/projects/380/jobs/1983",
        "/api/v4/projects/380/jobs/1983/trace",
      ]);
    });

    it("reads `terraform fmt -check`'s bare file list as its format failure, with the command the trace shows failing", async () => {
      const sha = "c".repeat(39) + "4";
      const output = readFileSync(
        path.resolve(import.meta.dirname, "../fixtures/tools/terraform/fmt-check.log"),
        "utf8",
      );
      const gl = fakeGitlab({
        baseUrl: GITLAB,
        projectId: 380,
        traces: { "1984": gitlabTrace("terraform fmt -check -recursive", output) },
        jobs: { "1984": { status: "failed", sha } },
      });
      await hook("Job Hook", failedJob(sha, 1984));
      await running.app.queue.idle();
      expect((await running.app.store.diagnoses.get("gitlab:380:job:1984"))?.diagnosis).toMatchObject({
        category: "format",
        tool: "terraform",
      });
      // Read once to classify and once for the command, then again with it.
      expect(gl.calls.filter((c) => c.path.endsWith("/jobs/1984/trace"))).toHaveLength(3);
    });

    it("treats a job hook and a pipeline hook naming the same job as one failure", async () => {
      const sha = "d".repeat(39) + "3";
      const gl = fakeGitlab({
        baseUrl: GITLAB,
        projectId: 380,
        traces: { "1978": gitlabTrace("npx jest", JEST_OUTPUT) },
      });
      const pipeline = failedPipeline(sha);
      pipeline.project.id = 380;
      pipeline.builds = pipeline.builds
        .filter((b: { name: string }) => b.name === "test-build")
        .map((b: Record<string, unknown>) => ({ ...b, id: 1978 }));
      const job = failedJob(sha);
      job.build_id = 1978;
      await hook("Job Hook", job, { "idempotency-key": `job-${stack.name}-3` });
      await hook("Pipeline Hook", pipeline, { "idempotency-key": `pipeline-${stack.name}-3` });
      await running.app.queue.idle();
      expect(
        (await running.app.store.failures.onCommit("gitlab", "gitlab-org/gitlab-test", sha)).map((f) => f.failureKey),
      ).toEqual(["gitlab:380:job:1978"]);
      expect(gl.calls.filter((c) => c.path.endsWith("/trace"))).toHaveLength(1);
    });

    it("rejects a wrong token with 401 and records nothing", async () => {
      const res = await hook("Job Hook", failedJob("c".repeat(40)), {
        "x-gitlab-token": "wrong",
        "idempotency-key": "bad-token",
      });
      expect(res.status).toBe(401);
      expect(await running.app.store.deliveries.get("gitlab:bad-token")).toBeNull();
    });

    it("answers 2xx to an event it does not read, so GitLab keeps the hook enabled", async () => {
      const res = await hook("Push Hook", { object_kind: "push" });
      expect(res.status).toBe(202);
    });

    it("answers 400 to a body that is not JSON and records nothing", async () => {
      const res = await hook("Job Hook", "{nope", { "idempotency-key": "not-json" });
      expect(res.status).toBe(400);
      expect(await running.app.store.deliveries.get("gitlab:not-json")).toBeNull();
    });
  });
}

describe("GitLab projects outside GITLAB_PROJECTS", () => {
  const running = runningApp({
    GITLAB_WEBHOOK_SECRET: SECRET,
    GITLAB_TOKEN: "glpat-test-token",
    GITLAB_URL: GITLAB,
    GITLAB_PROJECTS: "acme/served",
  });

  it("are ignored with the reason, and nothing is read from GitLab for them", async () => {
    const gl = fakeGitlab({
      baseUrl: GITLAB,
      projectId: 380,
      traces: { "1977": gitlabTrace("npx jest", JEST_OUTPUT) },
    });
    const res = await fetch(`http://127.0.0.1:${running.app.port}/api/gitlab/webhook`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-gitlab-event": "Job Hook",
        "x-gitlab-token": SECRET,
        "idempotency-key": "outside-1",
      },
      body: JSON.stringify(failedJob("e".repeat(40))),
    });
    expect(res.status).toBe(202);
    await running.app.queue.idle();
    expect((await running.app.store.deliveries.get("gitlab:outside-1"))?.outcome).toMatch(/not in GITLAB_PROJECTS/);
    expect(gl.calls).toEqual([]);
  });
});
