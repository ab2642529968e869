import { inspect } from "node:util";
import "../support/http-mock.js";
import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { ForgeApiError, GithubForge } from "../../src/forge/index.js";
import { fakeGithubCommandApi, type FakeGithubCommandOptions } from "../support/github-api.js";

const REPO = "Codertocat/Hello-World";
const TOKEN = "ghs_commandtoken000000000000000000000000";
const USER = (login: string) => ({ login, id: "21031067" });

// GitHub Enterprise Server serves the same API under /api/v3: every path must be relative to the base URL.
for (const baseUrl of ["https://api.github.com", "https://ghe.example.invalid/api/v3"]) {
  describe(`GithubForge commands and flaky handling against ${baseUrl}`, () => {
    function setup(o: Omit<FakeGithubCommandOptions, "repo" | "baseUrl"> = {}) {
      const gh = fakeGithubCommandApi({ repo: REPO, baseUrl, ...o });
      // The client Sentinel uses, without the throttling that spaces writes a second apart.
      const octokit = new ProbotOctokit({ auth: { token: TOKEN }, baseUrl, throttle: { enabled: false } });
      return { gh, forge: new GithubForge(octokit as never, REPO) };
    }

    describe("userPermission", () => {
      it("tells maintain from write by role_name, though the legacy permission says write", async () => {
        const { forge } = setup({ collaborators: { mona: { permission: "write", role_name: "maintain" } } });
        expect(await forge.userPermission(USER("mona"))).toBe("maintain");
      });

      it("tells triage from read by role_name, though the legacy permission says read", async () => {
        const { forge } = setup({ collaborators: { hubot: { permission: "read", role_name: "triage" } } });
        expect(await forge.userPermission(USER("hubot"))).toBe("triage");
      });

      it("reads admin, write and read as they are", async () => {
        const { forge } = setup({
          collaborators: {
            a: { permission: "admin", role_name: "admin" },
            w: { permission: "write", role_name: "write" },
            r: { permission: "read", role_name: "read" },
          },
        });
        expect([
          await forge.userPermission(USER("a")),
          await forge.userPermission(USER("w")),
          await forge.userPermission(USER("r")),
        ]).toEqual(["admin", "write", "read"]);
      });

      it("reads a custom role by the base role its permission flags show", async () => {
        const { forge } = setup({
          collaborators: {
            sec: {
              permission: "write",
              role_name: "security-reviewer",
              permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
            },
          },
        });
        expect(await forge.userPermission(USER("sec"))).toBe("write");
      });

      it("falls back to the legacy permission for a custom role without flags", async () => {
        const { forge } = setup({ collaborators: { old: { permission: "read", role_name: "auditor" } } });
        expect(await forge.userPermission(USER("old"))).toBe("read");
      });

      it("answers none for a user GitHub does not know (404)", async () => {
        const { forge } = setup();
        expect(await forge.userPermission(USER("ghost"))).toBe("none");
      });

      it("asks the collaborator permission API with the installation token under the base URL", async () => {
        const { gh, forge } = setup({ collaborators: { mona: { permission: "write", role_name: "write" } } });
        await forge.userPermission(USER("mona"));
        const prefix = baseUrl.endsWith("/api/v3") ? "/api/v3" : "";
        expect(gh.calls.map((c) => c.path)).toEqual([`${prefix}/repos/${REPO}/collaborators/mona/permission`]);
        expect(gh.authorizations).toEqual([`token ${TOKEN}`]);
      });
    });

    describe("isTeamMember", () => {
      it("is true for an active member of the team", async () => {
        const { forge } = setup({ teams: { "octo-org/reviewers": { mona: "active" } } });
        expect(await forge.isTeamMember("octo-org/reviewers", USER("mona"))).toBe(true);
      });

      it("accepts the team written as in CODEOWNERS, with an @", async () => {
        const { forge } = setup({ teams: { "octo-org/reviewers": { mona: "active" } } });
        expect(await forge.isTeamMember("@octo-org/reviewers", USER("mona"))).toBe(true);
      });

      it("is false while the membership is only a pending invitation", async () => {
        const { forge } = setup({ teams: { "octo-org/reviewers": { mona: "pending" } } });
        expect(await forge.isTeamMember("octo-org/reviewers", USER("mona"))).toBe(false);
      });

      it("is false for someone outside the team (404)", async () => {
        const { forge } = setup({ teams: { "octo-org/reviewers": { mona: "active" } } });
        expect(await forge.isTeamMember("octo-org/reviewers", USER("hubot"))).toBe(false);
      });

      it("is false when the installation may not read the organization's teams (403)", async () => {
        const { forge } = setup({ hiddenTeams: ["octo-org/reviewers"] });
        expect(await forge.isTeamMember("octo-org/reviewers", USER("mona"))).toBe(false);
      });

      it("is false without asking GitHub when the team is not written org/slug", async () => {
        const { gh, forge } = setup();
        expect(await forge.isTeamMember("reviewers", USER("mona"))).toBe(false);
        expect(gh.calls).toEqual([]);
      });
    });

    describe("react", () => {
      it("reacts to the issue comment, and reacting twice is not an error", async () => {
        const { gh, forge } = setup();
        await forge.react(1, "492700400", "eyes");
        await forge.react(1, "492700400", "eyes");
        await forge.react(1, "492700400", "+1");
        expect(gh.reactions).toEqual([
          { commentId: 492700400, content: "eyes" },
          { commentId: 492700400, content: "+1" },
        ]);
      });
    });

    describe("postComment", () => {
      it("posts a new comment on the pull request and returns its id", async () => {
        const { gh, forge } = setup();
        const id = await forge.postComment(7, "Re-running `test`.");
        expect(gh.comments).toEqual([{ id: Number(id), issue: 7, body: "Re-running `test`." }]);
      });
    });

    describe("rerunJob", () => {
      it("re-runs the one job", async () => {
        const { gh, forge } = setup();
        await forge.rerunJob("399444496");
        expect(gh.reruns).toEqual(["399444496"]);
      });

      it("fails with GitHub's reason, and without the token, when GitHub refuses", async () => {
        // A proxy or a buggy endpoint echoing the credentials must not put them in logs.
        const { forge } = setup({ rerunRefused: { "5": `This job cannot be re-run (sent with token ${TOKEN})` } });
        const error = await forge.rerunJob("5").catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ForgeApiError);
        expect((error as ForgeApiError).status).toBe(403);
        expect((error as Error).message).toMatch(/re-running job 5 failed: HTTP 403: This job cannot be re-run/);
        expect(
          `${(error as Error).message} ${(error as Error).stack} ${inspect(error, { depth: 10 })} ${JSON.stringify(error)}`,
        ).not.toContain(TOKEN);
      });
    });

    describe("upsertIssue", () => {
      it("opens an issue with its labels when none is known", async () => {
        const { gh, forge } = setup();
        const issue = await forge.upsertIssue(null, {
          title: "Flaky: test",
          body: "failed 3 times",
          labels: ["flaky", "sentinel"],
        });
        expect(issue).toEqual({ number: 1, url: `https://github.com/${REPO}/issues/1` });
        expect(gh.issues.get(1)).toMatchObject({
          state: "open",
          title: "Flaky: test",
          body: "failed 3 times",
          labels: ["flaky", "sentinel"],
        });
      });

      it("updates the body of the known issue while it is open", async () => {
        const { gh, forge } = setup({ issues: { 12: { state: "open", title: "Flaky: test", body: "failed twice" } } });
        expect(await forge.upsertIssue(12, { title: "Flaky: test", body: "failed 3 times" })).toEqual({
          number: 12,
          url: `https://github.com/${REPO}/issues/12`,
        });
        expect(gh.issues.get(12)?.body).toBe("failed 3 times");
        expect(gh.issues.size).toBe(1);
      });

      it("opens a new issue when the known one was closed, leaving the closed one alone", async () => {
        const { gh, forge } = setup({ issues: { 12: { state: "closed", title: "Flaky: test", body: "fixed" } } });
        expect((await forge.upsertIssue(12, { title: "Flaky: test", body: "again" })).number).toBe(13);
        expect(gh.issues.get(12)?.body).toBe("fixed");
        expect(gh.calls.some((c) => c.method === "PATCH")).toBe(false);
      });

      it("opens a new issue when the known one was deleted (410) or never existed (404)", async () => {
        const { forge } = setup({ issues: { 12: { state: "open", title: "Flaky: test", body: "x", gone: true } } });
        expect((await forge.upsertIssue(12, { title: "Flaky: test", body: "y" })).number).toBe(13);
        expect((await forge.upsertIssue(99, { title: "Flaky: lint", body: "z" })).number).toBe(14);
      });
    });

    describe("pullRequestInfo", () => {
      const pr = {
        headSha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
        headRef: "changes",
        baseRef: "master",
        headRepo: REPO,
        state: "open" as const,
        merged: false,
        author: "Codertocat",
      };

      it("reads an open pull request from the same repository", async () => {
        const { forge } = setup({ pulls: { 2: pr } });
        expect(await forge.pullRequestInfo(2)).toEqual({
          headSha: pr.headSha,
          headRef: "changes",
          baseRef: "master",
          fromFork: false,
          state: "open",
          author: "Codertocat",
          body: expect.any(String),
        });
      });

      it("tells merged from closed", async () => {
        const { forge } = setup({
          pulls: { 2: { ...pr, state: "closed", merged: true }, 3: { ...pr, state: "closed" } },
        });
        expect((await forge.pullRequestInfo(2))?.state).toBe("merged");
        expect((await forge.pullRequestInfo(3))?.state).toBe("closed");
      });

      it("marks a pull request from a fork, also when the fork was deleted", async () => {
        const { forge } = setup({
          pulls: { 4: { ...pr, headRepo: "someone/Hello-World" }, 5: { ...pr, headRepo: null } },
        });
        expect((await forge.pullRequestInfo(4))?.fromFork).toBe(true);
        expect((await forge.pullRequestInfo(5))?.fromFork).toBe(true);
      });

      it("is null for a pull request that does not exist (404)", async () => {
        const { forge } = setup();
        expect(await forge.pullRequestInfo(404)).toBeNull();
      });
    });
  });
}
