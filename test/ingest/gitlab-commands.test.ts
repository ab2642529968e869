import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GovernanceStore, RunStore } from "../../src/store/index.js";
import { fakeGitlabProject, gitlabTrace, writtenOnGitlab } from "../support/gitlab-api.js";
import { runningApp } from "../support/running-app.js";
import { serviceStack } from "../support/services.js";

const HOOKS = path.resolve(import.meta.dirname, "../fixtures/gitlab-hooks");
const SECRET = "gitlab-commands-secret";
const GITLAB = "https://gitlab.example.invalid";
const STICKY = "<!-- sentinel:sticky -->";
const JEST_OUTPUT = readFileSync(path.resolve(import.meta.dirname, "../fixtures/tools/jest/failing.log"), "utf8");
const fixture = (name: string) => JSON.parse(readFileSync(path.join(HOOKS, name), "utf8")) as Record<string, any>;

// GitLab's access levels (Gitlab::Access).
const REPORTER = 20;
const DEVELOPER = 30;
const MAINTAINER = 40;

/** Each test gets a project of its own: its own id, path, merge request notes and store rows. */
let projects = 0;
function freshProject(name: string) {
  const n = ++projects;
  return { id: 9100 + n, repo: `gitlab-org/${name}-${n}` };
}

/**
 * GitLab's documented "Comment on a merge request" Note Hook (fixtures/gitlab-hooks, see
 * sources.json), as a new note on merge request !`mr` of `project`, by `user`.
 */
function mrNote(
  project: { id: number; repo: string },
  mr: number,
  body: string,
  o: { id: number; user?: { id: number; username: string }; action?: string; system?: boolean },
) {
  const p = fixture("note-event.json");
  p.project_id = project.id;
  p.project.id = project.id;
  p.project.path_with_namespace = project.repo;
  p.project.web_url = `http://example.com/${project.repo}`;
  if (o.user) Object.assign(p.user, { id: o.user.id, username: o.user.username });
  Object.assign(p.object_attributes, {
    id: o.id,
    note: body,
    author_id: p.user.id,
    project_id: project.id,
    ...(o.action !== undefined ? { action: o.action } : {}),
    ...(o.system !== undefined ? { system: o.system } : {}),
    url: `http://example.com/${project.repo}/merge_requests/${mr}#note_${o.id}`,
  });
  p.merge_request.iid = mr;
  p.merge_request.source_project_id = project.id;
  p.merge_request.target_project_id = project.id;
  // The note exists on GitLab as the hook describes it: Sentinel reads its author and text from the API.
  writtenOnGitlab(project.id, mr, {
    id: o.id,
    body,
    author: { id: p.user.id, username: p.user.username },
    system: o.system ?? false,
  });
  return p;
}

/**
 * GitLab's documented Pipeline hook, as a failed pipeline of merge request !`mr` whose
 * `test-build` job (378) failed.
 */
function failedMrPipeline(project: { id: number; repo: string }, mr: number, sha: string) {
  const p = fixture("pipeline-event.json");
  p.object_attributes.status = "failed";
  p.object_attributes.sha = sha;
  p.project.id = project.id;
  p.project.path_with_namespace = project.repo;
  p.project.web_url = `http://example.com/${project.repo}`;
  Object.assign(p.merge_request, { iid: mr, source_project_id: project.id, target_project_id: project.id });
  return p;
}

/** GitLab's documented Merge Request Hook, as merge request !`mr` (from `branch`) merged or closed. */
function mergeRequestEvent(
  project: { id: number; repo: string },
  mr: number,
  action: "merge" | "close",
  branch: string,
) {
  const p = fixture("merge-request-event.json");
  p.project.id = project.id;
  p.project.path_with_namespace = project.repo;
  Object.assign(p.object_attributes, {
    iid: mr,
    action,
    state: action === "merge" ? "merged" : "closed",
    source_branch: branch,
    source_project_id: project.id,
    target_project_id: project.id,
  });
  return p;
}

for (const stack of serviceStack("services")) {
  describe.skipIf(!stack.available)(`/sentinel commands in GitLab merge request notes, on ${stack.name}`, () => {
    const running = runningApp(
      { GITLAB_WEBHOOK_SECRET: SECRET, GITLAB_TOKEN: "glpat-test-token", GITLAB_URL: GITLAB },
      stack,
    );
    let deliveries = 0;

    async function hook(event: string, payload: unknown, key = `gl-cmd-${stack.name}-${++deliveries}`) {
      const res = await fetch(`http://127.0.0.1:${running.app.port}/api/gitlab/webhook`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-gitlab-event": event,
          "x-gitlab-token": SECRET,
          "idempotency-key": key,
        },
        body: JSON.stringify(payload),
      });
      expect(res.status).toBeLessThan(300);
      await running.app.queue.idle(60_000);
      const body = (await res.json()) as Record<string, unknown>;
      // The delivery's key in the store, as the endpoint names it.
      return { key: String(body.delivery), status: res.status, body };
    }

    const replies = (gl: ReturnType<typeof fakeGitlabProject>, mr: number) =>
      [...gl.notes.values()].filter((n) => n.mr === mr && !n.body.startsWith(STICKY)).map((n) => n.body);
    const sticky = (gl: ReturnType<typeof fakeGitlabProject>, mr: number) =>
      [...gl.notes.values()].find((n) => n.mr === mr && n.body.startsWith(STICKY))?.body ?? "";
    const memberLookups = (gl: ReturnType<typeof fakeGitlabProject>) =>
      gl.commandCalls.filter((c) => /\/members\/all\/\d+$/.test(c.path));

    /** A diagnosed failure of merge request !`mr`'s head commit; returns its fingerprint. */
    async function diagnosedFailure(
      gl: ReturnType<typeof fakeGitlabProject>,
      project: { id: number; repo: string },
      mr: number,
      sha: string,
    ): Promise<string> {
      await hook("Pipeline Hook", failedMrPipeline(project, mr, sha));
      const stored = await running.app.store.diagnoses.get(`gitlab:${project.id}:job:378`);
      expect(stored?.diagnosis).toMatchObject({ category: "test", tool: "jest" });
      expect(sticky(gl, mr)).toContain("test failure (jest)");
      return stored!.diagnosis.fingerprint;
    }

    it("answers /sentinel help in a new merge request note with one reply listing the commands and a thumbsup", async () => {
      const project = freshProject("help");
      const gl = fakeGitlabProject({
        baseUrl: GITLAB,
        projectId: project.id,
        path: project.repo,
        traces: {},
        members: { 1: { access_level: REPORTER } },
      });
      await hook("Note Hook", mrNote(project, 1, "Thanks!\n/sentinel help\n", { id: 12001 }));
      expect(replies(gl, 1)).toHaveLength(1);
      expect(replies(gl, 1)[0]).toMatch(/^@root\n/);
      expect(replies(gl, 1)[0]).toContain("| `/sentinel help` |");
      expect(replies(gl, 1)[0]).toContain("`/sentinel ignore <fingerprint>`");
      expect(gl.awards).toEqual([{ mr: 1, note: 12001, name: "thumbsup" }]);
      // The note's author (user 1 in the hook) is looked up among the project's members, inherited ones included.
      expect(memberLookups(gl).map((c) => c.path)).toEqual([`/api/v4/projects/${project.id}/members/all/1`]);
    });

    it("refuses /sentinel pause from a Reporter politely, saying which access it needs, and pauses nothing", async () => {
      const project = freshProject("refuse");
      const gl = fakeGitlabProject({
        baseUrl: GITLAB,
        projectId: project.id,
        path: project.repo,
        traces: {},
        members: { 21: { access_level: REPORTER } },
      });
      await hook(
        "Note Hook",
        mrNote(project, 2, "/sentinel pause", { id: 12002, user: { id: 21, username: "reporter" } }),
      );
      expect(replies(gl, 2)).toHaveLength(1);
      expect(replies(gl, 2)[0]).toMatch(/^@reporter\n/);
      expect(replies(gl, 2)[0]).toMatch(/Sorry, `\/sentinel pause` needs write access .* and you have triage/);
      expect(gl.awards).toEqual([{ mr: 2, note: 12002, name: "confused" }]);
      expect(await new GovernanceStore(running.app.store.db).isPaused("gitlab", project.repo, [2])).toBe(false);
    });

    it("does nothing twice for the same delivery delivered again (same Idempotency-Key)", async () => {
      const project = freshProject("redelivery");
      const gl = fakeGitlabProject({
        baseUrl: GITLAB,
        projectId: project.id,
        path: project.repo,
        traces: {},
        members: { 1: { access_level: DEVELOPER } },
      });
      const note = mrNote(project, 3, "/sentinel help", { id: 12003 });
      const first = await hook("Note Hook", note, `gl-same-${stack.name}`);
      const again = await hook("Note Hook", note, `gl-same-${stack.name}`);
      expect([first.status, again.status]).toEqual([202, 200]);
      expect(again.body.result).toBe("duplicate");
      expect(replies(gl, 3)).toHaveLength(1);
      expect(gl.awards).toHaveLength(1);
    });

    it("acts once on a note that arrives in two deliveries with different ids", async () => {
      const project = freshProject("claim");
      const gl = fakeGitlabProject({
        baseUrl: GITLAB,
        projectId: project.id,
        path: project.repo,
        traces: {},
        members: { 1: { access_level: DEVELOPER } },
      });
      const note = mrNote(project, 4, "/sentinel help", { id: 12004 });
      await hook("Note Hook", note, `gl-claim-${stack.name}-a`);
      const second = await hook("Note Hook", note, `gl-claim-${stack.name}-b`);
      expect(second.status).toBe(202);
      expect(replies(gl, 4)).toHaveLength(1);
      expect(gl.awards).toHaveLength(1);
      expect((await running.app.store.deliveries.get(second.key))?.outcome).toMatch(/commands help by root: duplicate/);
    });

    it("ignores a command in an edited note", async () => {
      const project = freshProject("edited");
      const gl = fakeGitlabProject({
        baseUrl: GITLAB,
        projectId: project.id,
        path: project.repo,
        traces: {},
        members: { 1: { access_level: MAINTAINER } },
      });
      const { key } = await hook("Note Hook", mrNote(project, 5, "/sentinel help", { id: 12005, action: "update" }));
      expect(replies(gl, 5)).toHaveLength(0);
      expect(gl.awards).toHaveLength(0);
      expect(gl.calls.concat(gl.commandCalls)).toEqual([]);
      expect((await running.app.store.deliveries.get(key))?.outcome).toMatch(/ignored: note update/);
    });

    it("ignores a system note", async () => {
      const project = freshProject("system");
      const gl = fakeGitlabProject({
        baseUrl: GITLAB,
        projectId: project.id,
        path: project.repo,
        traces: {},
        members: { 1: { access_level: MAINTAINER } },
      });
      const { key } = await hook("Note Hook", mrNote(project, 6, "/sentinel help", { id: 12006, system: true }));
      expect(replies(gl, 6)).toHaveLength(0);
      expect(gl.awards).toHaveLength(0);
      expect(gl.calls.concat(gl.commandCalls)).toEqual([]);
      expect((await running.app.store.deliveries.get(key))?.outcome).toMatch(/ignored: system note/);
    });

    it("ignores a note by a project access token's bot user", async () => {
      const project = freshProject("project-bot");
      // GitLab names a project access token's user project_<project id>_bot_<random>.
      const bot = { id: 77, username: `project_${project.id}_bot_4ffca233d8298ea1` };
      const gl = fakeGitlabProject({
        baseUrl: GITLAB,
        projectId: project.id,
        path: project.repo,
        traces: {},
        members: { 77: { access_level: MAINTAINER } },
      });
      const { key } = await hook("Note Hook", mrNote(project, 7, "/sentinel help", { id: 12007, user: bot }));
      expect(replies(gl, 7)).toHaveLength(0);
      expect(gl.awards).toHaveLength(0);
      expect((await running.app.store.deliveries.get(key))?.outcome).toMatch(
        /ignored: note by the bot project_\d+_bot_/,
      );
    });

    // A personal or service-account token need not be named like a bot: the token's user is asked.
    it("ignores a note by Sentinel's own GitLab user (the token's user), whatever its username", async () => {
      const project = freshProject("self");
      // The token's user, as fakeGitlab's GET /user answers it: a plain account, not one named like a bot.
      const gl = fakeGitlabProject({
        baseUrl: GITLAB,
        projectId: project.id,
        path: project.repo,
        traces: {},
        members: { 99: { access_level: MAINTAINER } },
      });
      const { key } = await hook(
        "Note Hook",
        mrNote(project, 8, "/sentinel help", { id: 12008, user: { id: 99, username: "sentinel" } }),
      );
      expect((await running.app.store.deliveries.get(key))?.outcome).toBe("ignored: note by the bot sentinel");
      expect(replies(gl, 8)).toHaveLength(0);
      expect(gl.awards).toHaveLength(0);
    });

    it("lists a diagnosed failure's fingerprint in /sentinel status", async () => {
      const project = freshProject("status");
      const sha = "5".repeat(40);
      const gl = fakeGitlabProject({
        baseUrl: GITLAB,
        projectId: project.id,
        path: project.repo,
        traces: { "378": gitlabTrace("npx jest", JEST_OUTPUT) },
        mrHeads: { 9: sha },
        members: { 1: { access_level: REPORTER } },
      });
      const fingerprint = await diagnosedFailure(gl, project, 9, sha);
      await hook("Note Hook", mrNote(project, 9, "/sentinel status", { id: 12009 }));
      const [status] = replies(gl, 9);
      expect(status).toContain(`**Sentinel status** for ${project.repo}#9`);
      expect(status).toContain("- Failures on the head commit: 1");
      expect(status).toContain(`test-build`);
      expect(status).toContain(`\`${fingerprint}\``);
      expect(gl.awards).toEqual([{ mr: 9, note: 12009, name: "thumbsup" }]);
    });

    it("records /sentinel ignore <fingerprint prefix> from a Developer and rewrites the sticky note to show it ignored", async () => {
      const project = freshProject("ignore");
      const sha = "6".repeat(40);
      const gl = fakeGitlabProject({
        baseUrl: GITLAB,
        projectId: project.id,
        path: project.repo,
        traces: { "378": gitlabTrace("npx jest", JEST_OUTPUT) },
        mrHeads: { 10: sha },
        members: { 30: { access_level: DEVELOPER } },
      });
      const fingerprint = await diagnosedFailure(gl, project, 10, sha);
      expect(sticky(gl, 10)).not.toContain("ignored");
      await hook(
        "Note Hook",
        mrNote(project, 10, `/sentinel ignore ${fingerprint.slice(5, 17)}`, {
          id: 12010,
          user: { id: 30, username: "dev" },
        }),
      );
      expect(await new GovernanceStore(running.app.store.db).isIgnored("gitlab", project.repo, fingerprint)).toBe(true);
      expect(replies(gl, 10)).toEqual([expect.stringContaining(`Ignoring \`${fingerprint}\` in ${project.repo}`)]);
      expect(gl.awards).toEqual([{ mr: 10, note: 12010, name: "thumbsup" }]);
      // The same sticky note, edited in place.
      expect([...gl.notes.values()].filter((n) => n.mr === 10 && n.body.startsWith(STICKY))).toHaveLength(1);
      expect(sticky(gl, 10)).toContain(`ignored by a maintainer (fingerprint \`${fingerprint}\`)`);
    });

    it("explains a diagnosed failure to a Reporter: category, the matching rule, its evidence", async () => {
      const project = freshProject("explain");
      const sha = "7".repeat(40);
      const gl = fakeGitlabProject({
        baseUrl: GITLAB,
        projectId: project.id,
        path: project.repo,
        traces: { "378": gitlabTrace("npx jest", JEST_OUTPUT) },
        mrHeads: { 11: sha },
        members: { 1: { access_level: REPORTER } },
      });
      const fingerprint = await diagnosedFailure(gl, project, 11, sha);
      await hook("Note Hook", mrNote(project, 11, "/sentinel explain", { id: 12011 }));
      const [reply] = replies(gl, 11);
      expect(reply).toContain("Category `test`");
      expect(reply).toContain(`\`${fingerprint}\``);
      expect(gl.awards).toEqual([{ mr: 11, note: 12011, name: "thumbsup" }]);
    });

    it("retries the head commit's failed job through GitLab's job retry on a Developer's /sentinel retry", async () => {
      const project = freshProject("retry");
      const sha = "8".repeat(40);
      const gl = fakeGitlabProject({
        baseUrl: GITLAB,
        projectId: project.id,
        path: project.repo,
        traces: { "378": gitlabTrace("npx jest", JEST_OUTPUT) },
        mrHeads: { 12: sha },
        members: { 30: { access_level: DEVELOPER } },
      });
      await diagnosedFailure(gl, project, 12, sha);
      await hook("Note Hook", mrNote(project, 12, "/sentinel retry", { id: 12012, user: { id: 30, username: "dev" } }));
      expect(gl.retried).toEqual(["378"]);
      expect(replies(gl, 12)).toEqual(["@dev\n\nRe-running test-build."]);
    });

    it("sets a tier for a Maintainer and refuses a Developer", async () => {
      const project = freshProject("tier");
      const gl = fakeGitlabProject({
        baseUrl: GITLAB,
        projectId: project.id,
        path: project.repo,
        traces: {},
        members: { 30: { access_level: DEVELOPER }, 40: { access_level: MAINTAINER } },
      });
      await hook(
        "Note Hook",
        mrNote(project, 13, "/sentinel tier prettier-write T0", { id: 12013, user: { id: 30, username: "dev" } }),
      );
      expect(replies(gl, 13)[0]).toContain("changing a tier needs maintain access, and you have write");
      await hook(
        "Note Hook",
        mrNote(project, 13, "/sentinel tier prettier-write T0", { id: 12014, user: { id: 40, username: "lead" } }),
      );
      expect(
        await new GovernanceStore(running.app.store.db).getTier("gitlab", project.repo, "prettier-write"),
      ).toMatchObject({ tier: 0, reason: "set by @lead" });
      expect(gl.awards.map((a) => a.name)).toEqual(["confused", "thumbsup"]);
    });

    it("resumes a paused merge request for a Developer, and restores a revoked agent only for a Maintainer", async () => {
      const project = freshProject("resume");
      const gl = fakeGitlabProject({
        baseUrl: GITLAB,
        projectId: project.id,
        path: project.repo,
        traces: {},
        members: { 30: { access_level: DEVELOPER }, 40: { access_level: MAINTAINER } },
      });
      const gov = new GovernanceStore(running.app.store.db);
      await new RunStore(running.app.store.db).revokeAgent(
        "gitlab",
        project.repo,
        "cargo-fmt",
        "error budget exceeded",
        "run-revoked",
      );
      await hook("Note Hook", mrNote(project, 14, "/sentinel pause", { id: 12015, user: { id: 30, username: "dev" } }));
      expect(await gov.isPaused("gitlab", project.repo, [14])).toBe(true);
      await hook(
        "Note Hook",
        mrNote(project, 14, "/sentinel resume", { id: 12016, user: { id: 30, username: "dev" } }),
      );
      expect(await gov.isPaused("gitlab", project.repo, [14])).toBe(false);
      expect(replies(gl, 14).at(-1)).toContain(
        "`cargo-fmt` is revoked in this repository; restoring an agent needs maintain access",
      );
      await hook(
        "Note Hook",
        mrNote(project, 14, "/sentinel resume", { id: 12017, user: { id: 40, username: "lead" } }),
      );
      expect(await gov.getTier("gitlab", project.repo, "cargo-fmt")).toMatchObject({ tier: 0, revoked: false });
    });

    it("ends a run waiting for approval on a Maintainer's /sentinel deny, and records who decided", async () => {
      const project = freshProject("deny");
      const gl = fakeGitlabProject({
        baseUrl: GITLAB,
        projectId: project.id,
        path: project.repo,
        traces: {},
        members: { 30: { access_level: DEVELOPER }, 40: { access_level: MAINTAINER } },
      });
      const runs = new RunStore(running.app.store.db);
      const gov = new GovernanceStore(running.app.store.db);
      const runId = `run-${project.id}-waiting`;
      await runs.startRun({
        runId,
        runKey: `gitlab:${project.repo}:sfp1-x`,
        forge: "gitlab",
        repo: project.repo,
        fingerprint: "sfp1-x",
        prNumber: 15,
      });
      await runs.db.query("UPDATE runs SET status = 'waiting', phase = 'PREFLIGHT' WHERE run_id = $1", [runId]);
      await gov.requestApproval({
        runId,
        forge: "gitlab",
        repo: project.repo,
        prNumber: 15,
        failureKey: null,
        fingerprint: "sfp1-x",
        rule: "policy.approval.require[0]",
        message: "dependency changes need a maintainer",
        expiresAt: new Date(Date.now() + 3_600_000),
      });
      await hook("Note Hook", mrNote(project, 15, "/sentinel deny", { id: 12018, user: { id: 30, username: "dev" } }));
      expect(replies(gl, 15)[0]).toContain("not one of the approvers");
      await hook("Note Hook", mrNote(project, 15, "/sentinel deny", { id: 12019, user: { id: 40, username: "lead" } }));
      expect(await gov.getApproval(runId)).toMatchObject({
        status: "denied",
        decidedBy: "@lead",
        decidedVia: "comment",
      });
      expect((await runs.ledger(runId)).map((e) => e.kind)).toContain("approval.denied");
    });

    it("credits the agent when a merge request Sentinel opened as a fix is merged", async () => {
      const project = freshProject("merged");
      const branch = "sentinel/fix-sfp1-0123456789ab";
      fakeGitlabProject({
        baseUrl: GITLAB,
        projectId: project.id,
        path: project.repo,
        traces: {},
        mrStates: { 71: { state: "merged", source_branch: branch } },
      });
      const runs = new RunStore(running.app.store.db);
      const runId = `run-${project.id}-merged`;
      await runs.upsertPullRequest({
        forge: "gitlab",
        repo: project.repo,
        headBranch: branch,
        number: 71,
        url: `${GITLAB}/mr/71`,
        baseBranch: "master",
        title: "fix(format): cargo fmt for cargo",
        body: "",
        state: "open",
        runId,
        fingerprint: "sfp1-0123456789abcdef",
        kind: "fix",
        agentId: "cargo-fmt",
      });
      const { key } = await hook("Merge Request Hook", mergeRequestEvent(project, 71, "merge", branch));
      expect(
        await new GovernanceStore(running.app.store.db).getTier("gitlab", project.repo, "cargo-fmt"),
      ).toMatchObject({ tier: 1, cleanStreak: 1, revoked: false });
      expect((await runs.findPullRequestByNumber("gitlab", project.repo, 71))?.state).toBe("merged");
      expect((await runs.ledger(runId)).map((e) => e.kind)).toEqual(
        expect.arrayContaining(["pull-request.merged", "tier.changed"]),
      );
      expect((await running.app.store.deliveries.get(key))?.outcome).toBe("cargo-fmt credited for merged fix #71");
    });

    it("starts the agent's clean streak again when a fix merge request is closed unmerged", async () => {
      const project = freshProject("closed");
      fakeGitlabProject({
        baseUrl: GITLAB,
        projectId: project.id,
        path: project.repo,
        traces: {},
        mrStates: {
          72: { state: "merged", source_branch: "sentinel/fix-sfp1-72" },
          73: { state: "closed", source_branch: "sentinel/fix-sfp1-73" },
        },
      });
      const runs = new RunStore(running.app.store.db);
      const gov = new GovernanceStore(running.app.store.db);
      const fix = (n: number) => ({
        forge: "gitlab" as const,
        repo: project.repo,
        headBranch: `sentinel/fix-sfp1-${n}`,
        number: n,
        url: null,
        baseBranch: "master",
        title: "fix",
        body: "",
        state: "open",
        runId: `run-${project.id}-${n}`,
        fingerprint: `sfp1-${n}`,
        kind: "fix" as const,
        agentId: "cargo-fmt",
      });
      await runs.upsertPullRequest(fix(72));
      await runs.upsertPullRequest(fix(73));
      await hook("Merge Request Hook", mergeRequestEvent(project, 72, "merge", "sentinel/fix-sfp1-72"));
      expect((await gov.getTier("gitlab", project.repo, "cargo-fmt"))?.cleanStreak).toBe(1);
      await hook("Merge Request Hook", mergeRequestEvent(project, 73, "close", "sentinel/fix-sfp1-73"));
      expect(await gov.getTier("gitlab", project.repo, "cargo-fmt")).toMatchObject({
        tier: 1,
        cleanStreak: 0,
        revoked: false,
      });
      expect((await runs.findPullRequestByNumber("gitlab", project.repo, 73))?.state).toBe("closed");
      expect((await runs.ledger(`run-${project.id}-73`)).map((e) => e.kind)).toContain("pull-request.closed");
    });
  });
}
