import { inspect } from "node:util";
import "../support/http-mock.js";
import { describe, expect, it } from "vitest";
import { ForgeApiError, GitlabForge } from "../../src/forge/index.js";
import { fakeGitlabCommandApi, type FakeGitlabCommandOptions } from "../support/gitlab-api.js";

// Self-managed GitLab: every call must go to GITLAB_URL, not gitlab.com.
const GITLAB = "https://gitlab.example.invalid";
const PROJECT = 5;
const TOKEN = "glpat-commandtoken0000000000";
const root = { login: "root", id: "1" };

async function setup(o: Omit<FakeGitlabCommandOptions, "baseUrl" | "projectId" | "token"> = {}) {
  const gl = fakeGitlabCommandApi({ baseUrl: GITLAB, projectId: PROJECT, token: TOKEN, ...o });
  return {
    gl,
    forge: await GitlabForge.connect({ baseUrl: GITLAB, token: TOKEN }, String(PROJECT), "gitlab-org/gitlab-test"),
  };
}

describe("GitlabForge commands and flaky handling", () => {
  describe("userPermission", () => {
    it("maps each access level onto Sentinel's permissions", async () => {
      const levels = { 10: 10, 15: 15, 20: 20, 30: 30, 40: 40, 50: 50 };
      const { forge } = await setup({
        members: Object.fromEntries(Object.entries(levels).map(([id, level]) => [Number(id), { access_level: level }])),
      });
      const got: Record<number, string> = {};
      for (const id of Object.keys(levels)) got[Number(id)] = await forge.userPermission({ login: `user${id}`, id });
      // Guest reads, Planner (15) no more than Guest, Reporter triages, Developer writes.
      expect(got).toEqual({ 10: "read", 15: "read", 20: "triage", 30: "write", 40: "maintain", 50: "admin" });
    });

    it("asks the project's members including inherited ones", async () => {
      const { gl, forge } = await setup({ members: { 1: { access_level: 40 } } });
      expect(await forge.userPermission(root)).toBe("maintain");
      expect(gl.calls.map((c) => c.path)).toEqual([`/api/v4/projects/${PROJECT}/members/all/1`]);
    });

    it("answers none for someone who is not a member (404)", async () => {
      const { forge } = await setup();
      expect(await forge.userPermission(root)).toBe("none");
    });

    it("answers none for minimal access, a blocked user, and a membership awaiting approval", async () => {
      const { forge } = await setup({
        members: {
          2: { access_level: 5 },
          3: { access_level: 40, state: "blocked" },
          4: { access_level: 30, membership_state: "awaiting" },
        },
      });
      expect(await forge.userPermission({ login: "min", id: "2" })).toBe("none");
      expect(await forge.userPermission({ login: "blocked", id: "3" })).toBe("none");
      expect(await forge.userPermission({ login: "waiting", id: "4" })).toBe("none");
    });

    it("looks the user id up by exact username when only the username is known", async () => {
      const { forge } = await setup({ users: { jsmith: 17 }, members: { 17: { access_level: 30 } } });
      expect(await forge.userPermission({ login: "jsmith", id: "" })).toBe("write");
      expect(await forge.userPermission({ login: "nobody", id: "" })).toBe("none");
    });
  });

  describe("isTeamMember", () => {
    it("is true for a member of the group, by its full path", async () => {
      const { gl, forge } = await setup({ groups: { "gitlab-org/reviewers": { 1: 30 } } });
      expect(await forge.isTeamMember("gitlab-org/reviewers", root)).toBe(true);
      expect(gl.calls[0]?.path).toBe("/api/v4/groups/gitlab-org%2Freviewers/members/all/1");
    });

    it("is false for minimal access, which only shows that the group exists", async () => {
      const { forge } = await setup({ groups: { "gitlab-org/reviewers": { 1: 5 } } });
      expect(await forge.isTeamMember("gitlab-org/reviewers", root)).toBe(false);
    });

    it("is false outside the group (404) and for a group the token cannot see (403)", async () => {
      const { forge } = await setup({ groups: { "gitlab-org/reviewers": { 2: 30 } }, hiddenGroups: ["secret/team"] });
      expect(await forge.isTeamMember("gitlab-org/reviewers", root)).toBe(false);
      expect(await forge.isTeamMember("secret/team", root)).toBe(false);
      expect(await forge.isTeamMember("no/such-group", root)).toBe(false);
    });
  });

  describe("react", () => {
    it("awards thumbsup, eyes and confused on the note, and awarding twice is not an error", async () => {
      const { gl, forge } = await setup();
      await forge.react(1, "1244", "eyes");
      await forge.react(1, "1244", "eyes");
      await forge.react(1, "1244", "+1");
      await forge.react(1, "1244", "confused");
      expect(gl.awards).toEqual([
        { mr: 1, note: 1244, name: "eyes" },
        { mr: 1, note: 1244, name: "thumbsup" },
        { mr: 1, note: 1244, name: "confused" },
      ]);
    });
  });

  describe("postComment", () => {
    it("posts a new note on the merge request and returns its id", async () => {
      const { gl, forge } = await setup();
      const id = await forge.postComment(1, "Retrying `rspec`.");
      expect(gl.notes).toEqual([{ id: Number(id), mr: 1, body: "Retrying `rspec`." }]);
    });
  });

  describe("rerunJob", () => {
    it("retries the job", async () => {
      const { gl, forge } = await setup();
      await forge.rerunJob("1977");
      expect(gl.retried).toEqual(["1977"]);
    });

    it("fails with GitLab's reason, and without the token, when GitLab refuses", async () => {
      const { forge } = await setup({
        retryRefused: { "1977": `403 Forbidden - Job is not retryable (PRIVATE-TOKEN: ${TOKEN})` },
      });
      const error = await forge.rerunJob("1977").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ForgeApiError);
      expect((error as ForgeApiError).status).toBe(403);
      expect((error as Error).message).toMatch(
        /retrying job 1977 failed: HTTP 403: 403 Forbidden - Job is not retryable/,
      );
      // gitbeaker's own error keeps the request, with its PRIVATE-TOKEN header; ours must not.
      expect(
        `${(error as Error).message} ${(error as Error).stack} ${inspect(error, { depth: 10 })} ${JSON.stringify(error)}`,
      ).not.toContain(TOKEN);
    });
  });

  describe("upsertIssue", () => {
    it("opens an issue with its labels when none is known", async () => {
      const { gl, forge } = await setup();
      expect(
        await forge.upsertIssue(null, { title: "Flaky: rspec", body: "failed 3 times", labels: ["flaky", "sentinel"] }),
      ).toEqual({ number: 1, url: `${GITLAB}/issues/1` });
      expect(gl.issues.get(1)).toMatchObject({
        state: "opened",
        title: "Flaky: rspec",
        description: "failed 3 times",
        labels: "flaky,sentinel",
      });
    });

    it("updates the description of the known issue while it is open", async () => {
      const { gl, forge } = await setup({
        issues: { 23: { state: "opened", title: "Flaky: rspec", description: "failed twice" } },
      });
      expect(await forge.upsertIssue(23, { title: "Flaky: rspec", body: "failed 3 times" })).toEqual({
        number: 23,
        url: `${GITLAB}/issues/23`,
      });
      expect(gl.issues.get(23)?.description).toBe("failed 3 times");
      expect(gl.issues.size).toBe(1);
    });

    it("opens a new issue when the known one was closed or does not exist", async () => {
      const { gl, forge } = await setup({
        issues: { 23: { state: "closed", title: "Flaky: rspec", description: "fixed" } },
      });
      expect((await forge.upsertIssue(23, { title: "Flaky: rspec", body: "again" })).number).toBe(24);
      expect((await forge.upsertIssue(404, { title: "Flaky: lint", body: "new" })).number).toBe(25);
      expect(gl.issues.get(23)?.description).toBe("fixed");
      expect(gl.calls.some((c) => c.method === "PUT")).toBe(false);
    });
  });

  describe("pullRequestInfo", () => {
    const mr = {
      sha: "562e173be03b8ff2efb05345d12df18815438a4b",
      source_branch: "feature",
      target_branch: "master",
      source_project_id: PROJECT,
      state: "opened",
      author: "jsmith",
    };

    it("reads an open merge request from the same project", async () => {
      const { forge } = await setup({ mergeRequests: { 1: mr } });
      expect(await forge.pullRequestInfo(1)).toEqual({
        headSha: mr.sha,
        headRef: "feature",
        baseRef: "master",
        fromFork: false,
        state: "open",
        author: "jsmith",
        body: expect.any(String),
      });
    });

    it("reads merged and closed, and a merge request being merged (locked) as still open", async () => {
      const { forge } = await setup({
        mergeRequests: { 1: { ...mr, state: "merged" }, 2: { ...mr, state: "closed" }, 3: { ...mr, state: "locked" } },
      });
      expect([
        (await forge.pullRequestInfo(1))?.state,
        (await forge.pullRequestInfo(2))?.state,
        (await forge.pullRequestInfo(3))?.state,
      ]).toEqual(["merged", "closed", "open"]);
    });

    it("marks a merge request from a fork", async () => {
      const { forge } = await setup({ mergeRequests: { 4: { ...mr, source_project_id: 99 } } });
      expect((await forge.pullRequestInfo(4))?.fromFork).toBe(true);
    });

    it("is null for a merge request that does not exist (404)", async () => {
      const { forge } = await setup();
      expect(await forge.pullRequestInfo(404)).toBeNull();
    });
  });
});
