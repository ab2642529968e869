import { describe, expect, it } from "vitest";
import { GovernanceStore, RunStore } from "../../src/store/index.js";
import { gitlabSecretsFromEnv } from "../../src/forge/index.js";
import { fakeGitlabProject, writtenOnGitlab } from "../support/gitlab-api.js";
import { runningApp } from "../support/running-app.js";
import { gitlabHookExample as fixture, noteHook } from "../support/gitlab-hooks.js";

const GITLAB = "https://gitlab.example.invalid";
const SHARED = "gitlab-shared-secret-for-every-project";
const REPORTER = 20;
const MAINTAINER = 40;

let projects = 0;
const freshProject = (name: string) => ({ id: 9300 + ++projects, repo: `victims/${name}-${projects}` });

/** GitLab's documented Note Hook as a note on !`mr`, claiming to be by `user` and to say `body`. */

function mergeHook(project: { id: number; repo: string }, mr: number, branch: string) {
  const p = fixture("merge-request-event.json");
  Object.assign(p.project, { id: project.id, path_with_namespace: project.repo });
  Object.assign(p.object_attributes, {
    iid: mr,
    action: "merge",
    state: "merged",
    source_branch: branch,
    source_project_id: project.id,
    target_project_id: project.id,
  });
  return p;
}

describe("GitLab hooks that impersonate (finding 2)", () => {
  const running = runningApp({ GITLAB_WEBHOOK_SECRET: SHARED, GITLAB_TOKEN: "glpat-test-token", GITLAB_URL: GITLAB });
  let deliveries = 0;
  async function hook(event: string, payload: unknown, token = SHARED) {
    const res = await fetch(`http://127.0.0.1:${running.app.port}/api/gitlab/webhook`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-gitlab-event": event,
        "x-gitlab-token": token,
        "idempotency-key": `impersonate-${++deliveries}`,
      },
      body: JSON.stringify(payload),
    });
    await running.app.queue.idle(30_000);
    const body = (await res.json()) as { delivery?: string };
    return {
      status: res.status,
      outcome: body.delivery ? (await running.app.store.deliveries.get(body.delivery))?.outcome : null,
    };
  }
  const isPaused = (repo: string, mr: number) =>
    new GovernanceStore(running.app.store.db).isPaused("gitlab", repo, [mr]);

  it("acts on a note as its real author: a hook naming a maintainer for a reporter's note runs nothing a reporter may not", async () => {
    const project = freshProject("author");
    const gl = fakeGitlabProject({
      baseUrl: GITLAB,
      projectId: project.id,
      path: project.repo,
      traces: {},
      members: { 21: { access_level: REPORTER }, 40: { access_level: MAINTAINER } },
    });
    writtenOnGitlab(project.id, 3, { id: 31001, body: "/sentinel pause", author: { id: 21, username: "reporter" } });
    await hook("Note Hook", noteHook(project, 3, "/sentinel pause", 31001, { id: 40, username: "lead" }));
    expect(await isPaused(project.repo, 3)).toBe(false);
    // The permission looked up is the real author's, and the refusal is addressed to them.
    expect(
      gl.commandCalls.filter((c) => /members\/all\/\d+$/.test(c.path)).map((c) => c.path.split("/").pop()),
    ).toEqual(["21"]);
    expect([...gl.notes.values()].map((n) => n.body).join("\n")).toMatch(/^@reporter\n[\s\S]*needs write access/);
  });

  it("runs the commands the note really says, not the ones the hook claims", async () => {
    const project = freshProject("body");
    fakeGitlabProject({
      baseUrl: GITLAB,
      projectId: project.id,
      path: project.repo,
      traces: {},
      members: { 40: { access_level: MAINTAINER } },
    });
    writtenOnGitlab(project.id, 4, { id: 31002, body: "Looks good to me!", author: { id: 40, username: "lead" } });
    const { outcome } = await hook(
      "Note Hook",
      noteHook(project, 4, "/sentinel pause", 31002, { id: 40, username: "lead" }),
    );
    expect(outcome).toBe("ignored: no /sentinel command");
    expect(await isPaused(project.repo, 4)).toBe(false);
  });

  it("ignores a note the API has never heard of", async () => {
    const project = freshProject("ghost");
    const gl = fakeGitlabProject({
      baseUrl: GITLAB,
      projectId: project.id,
      path: project.repo,
      traces: {},
      members: { 40: { access_level: MAINTAINER } },
    });
    const { outcome } = await hook(
      "Note Hook",
      noteHook(project, 5, "/sentinel pause", 31003, { id: 40, username: "lead" }),
    );
    expect(outcome).toMatch(/ignored: the forge's API has no note 31003/);
    expect(await isPaused(project.repo, 5)).toBe(false);
    expect(gl.awards).toEqual([]);
  });

  it("credits no agent for a merge the API does not confirm", async () => {
    const project = freshProject("merge");
    const branch = "sentinel/fix-0123456789abcdef0123";
    fakeGitlabProject({
      baseUrl: GITLAB,
      projectId: project.id,
      path: project.repo,
      traces: {},
      mrStates: { 71: { state: "opened", source_branch: branch } },
    });
    const runs = new RunStore(running.app.store.db);
    await runs.upsertPullRequest({
      forge: "gitlab",
      repo: project.repo,
      headBranch: branch,
      number: 71,
      url: null,
      baseBranch: "main",
      title: "fix",
      body: "",
      state: "open",
      runId: null,
      fingerprint: "sfp1-0123",
      kind: "fix",
      agentId: "cargo-fmt",
    });
    const { outcome } = await hook("Merge Request Hook", mergeHook(project, 71, branch));
    expect(outcome).toMatch(/not confirmed by the API \(it says open\)/);
    expect(await new GovernanceStore(running.app.store.db).getTier("gitlab", project.repo, "cargo-fmt")).toBeNull();
    expect((await runs.findPullRequestByNumber("gitlab", project.repo, 71))?.state).toBe("open");
  });
});

describe("a GitLab hook pairing one project's id with another's path (finding 2)", () => {
  const running = runningApp({
    GITLAB_WEBHOOK_SECRET: SHARED,
    GITLAB_TOKEN: "glpat-test-token",
    GITLAB_URL: GITLAB,
    GITLAB_PROJECTS: "victims/guarded-app",
  });
  async function hook(event: string, payload: unknown) {
    const res = await fetch(`http://127.0.0.1:${running.app.port}/api/gitlab/webhook`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-gitlab-event": event,
        "x-gitlab-token": SHARED,
        "idempotency-key": "pairing-1",
      },
      body: JSON.stringify(payload),
    });
    await running.app.queue.idle(30_000);
    const body = (await res.json()) as { delivery?: string };
    return { outcome: body.delivery ? (await running.app.store.deliveries.get(body.delivery))?.outcome : null };
  }
  const isPaused = (repo: string, mr: number) =>
    new GovernanceStore(running.app.store.db).isPaused("gitlab", repo, [mr]);

  it("is ignored, even for a path GITLAB_PROJECTS lists: the API says the id is another project", async () => {
    const attacker = { id: 9399, repo: "attackers/app" };
    // The API knows project 9399 as attackers/app; the hook pairs that id with the guarded path.
    fakeGitlabProject({
      baseUrl: GITLAB,
      projectId: attacker.id,
      path: attacker.repo,
      traces: {},
      members: { 40: { access_level: MAINTAINER } },
    });
    writtenOnGitlab(attacker.id, 6, { id: 31004, body: "/sentinel pause", author: { id: 40, username: "lead" } });
    const { outcome } = await hook(
      "Note Hook",
      noteHook({ id: attacker.id, repo: "victims/guarded-app" }, 6, "/sentinel pause", 31004, {
        id: 40,
        username: "lead",
      }),
    );
    expect(outcome).toMatch(
      /GitLab project not confirmed: the GitLab API says project 9399 is attackers\/app, not victims\/guarded-app/,
    );
    expect(await isPaused("victims/guarded-app", 6)).toBe(false);
  });
});

describe("a webhook secret per GitLab project or group", () => {
  const SECRETS = { "team-a/app": "secret-of-team-a-app-0001", "team-b": "secret-of-group-team-b-0002" };
  const running = runningApp({
    GITLAB_WEBHOOK_SECRETS: JSON.stringify(SECRETS),
    GITLAB_TOKEN: "glpat-test-token",
    GITLAB_URL: GITLAB,
  });
  let n = 0;
  async function post(project: { id: number; repo: string }, token: string) {
    const p = fixture("pipeline-event.json");
    Object.assign(p.project, { id: project.id, path_with_namespace: project.repo });
    const res = await fetch(`http://127.0.0.1:${running.app.port}/api/gitlab/webhook`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-gitlab-event": "Pipeline Hook",
        "x-gitlab-token": token,
        "idempotency-key": `scoped-${++n}`,
      },
      body: JSON.stringify(p),
    });
    return { status: res.status, body: (await res.json()) as { delivery?: string; error?: string } };
  }

  it("refuses a hook naming another project than its secret's, and records nothing", async () => {
    const res = await post({ id: 501, repo: "team-c/app" }, SECRETS["team-a/app"]);
    expect(res.status).toBe(403);
    expect(res.body.delivery).toBeUndefined();
    const { rows } = await running.app.store.db.query<{ n: string | number }>(
      "SELECT count(*) AS n FROM deliveries WHERE repo = 'team-c/app'",
    );
    expect(Number(rows[0]?.n)).toBe(0);
  });

  it("accepts a project's hook with its own secret, and a group's secret for any project in the group", async () => {
    expect((await post({ id: 502, repo: "team-a/app" }, SECRETS["team-a/app"])).status).toBe(202);
    expect((await post({ id: 503, repo: "team-b/sub/app" }, SECRETS["team-b"])).status).toBe(202);
    expect((await post({ id: 504, repo: "team-bx/app" }, SECRETS["team-b"])).status).toBe(403);
  });

  it("refuses a wrong token with 401 as before", async () => {
    expect((await post({ id: 502, repo: "team-a/app" }, "not-a-secret-of-anyone")).status).toBe(401);
  });
});

describe("GitLab webhook secrets from the environment", () => {
  it("reads the shared secret and scoped ones together", () => {
    const secrets = gitlabSecretsFromEnv({
      GITLAB_WEBHOOK_SECRET: "shared-secret-0000000",
      GITLAB_WEBHOOK_SECRETS: '{"group/app": "0123456789abcdef", "4242": "fedcba9876543210"}',
    });
    expect(secrets).toHaveLength(3);
    expect(secrets).toEqual(
      expect.arrayContaining([
        { scope: null, secret: "shared-secret-0000000" },
        { scope: "group/app", secret: "0123456789abcdef" },
        { scope: "4242", secret: "fedcba9876543210" },
      ]),
    );
  });

  it("names the variable and what is wrong: not JSON, a short secret, a bad scope, one secret for two scopes", () => {
    expect(() => gitlabSecretsFromEnv({ GITLAB_WEBHOOK_SECRETS: "group=secret" })).toThrow(
      /GITLAB_WEBHOOK_SECRETS must be a JSON object/,
    );
    expect(() => gitlabSecretsFromEnv({ GITLAB_WEBHOOK_SECRETS: '{"group/app": "short"}' })).toThrow(
      /at least 16 characters/,
    );
    expect(() => gitlabSecretsFromEnv({ GITLAB_WEBHOOK_SECRETS: '{"../etc": "0123456789abcdef"}' })).toThrow(
      /not a GitLab project or group path/,
    );
    expect(() =>
      gitlabSecretsFromEnv({
        GITLAB_WEBHOOK_SECRET: "0123456789abcdef",
        GITLAB_WEBHOOK_SECRETS: '{"a/b": "0123456789abcdef"}',
      }),
    ).toThrow(/given for two scopes/);
  });
});
