// Findings 1, 2, 4 and 5: what a webhook's sender, a GitLab secret holder, someone who can write
// to Redis, and a fork can make Sentinel do with a forge.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { nock } from "../../test/support/http-mock.js";
import { safeJobId } from "../../src/queue/index.js";
import { RunStore } from "../../src/store/index.js";
import { bareRemote, git } from "../../test/support/git-repos.js";
import { actionsLog, fakeGithub } from "../../test/support/github-api.js";
import { fakeGitlab, fakeGitlabProject, gitlabTrace, writtenOnGitlab } from "../../test/support/gitlab-api.js";
import { gitlabHookExample as fixture, noteHook } from "../../test/support/gitlab-hooks.js";
import {
  BADLY_FORMATTED_CRATE,
  failedWorkflowJob,
  pullRequestComment,
  repositoryIdFor,
  RUSTFMT_OUTPUT,
} from "../../test/support/github-webhooks.js";
import { GITLAB_SCOPED, GITLAB_TOKEN, INSTALLATION, type AttackContext } from "./context.js";
import type { Attack } from "./attack.js";

const basic = (user: string, token: string) => `Basic ${Buffer.from(`${user}:${token}`).toString("base64")}`;

let projectIds = 9700;

/** A failed GitLab job of a badly formatted crate, in a project that proposes fixes, whose hook names `cloneUrl`. */
async function gitlabJobWithCloneUrl(ctx: AttackContext, cloneUrl: string) {
  const project = { id: ++projectIds, path: `victims/${ctx.unique("gl")}` };
  const { remote, sha } = ctx.forge.repo(project.path, BADLY_FORMATTED_CRATE);
  const gl = fakeGitlab({
    baseUrl: ctx.forge.origin,
    projectId: project.id,
    path: project.path,
    defaultBranch: "main",
    traces: { "1977": gitlabTrace("cargo fmt --all --check", RUSTFMT_OUTPUT) },
    config: "mode: propose\n",
  });
  const job = fixture("job-event.json");
  Object.assign(job, { build_status: "failed", sha, ref: "main", build_name: "fmt", project_id: project.id });
  Object.assign(job.project, {
    id: project.id,
    path_with_namespace: project.path,
    git_http_url: cloneUrl,
    git_ssh_url: cloneUrl,
  });
  const before = ctx.forge.requests.length;
  const hits = ctx.attacker.hits.length;
  await ctx.gitlabHook("Job Hook", job);
  await ctx.idle();
  const tokenElsewhere = ctx.attacker.hits.slice(hits).filter((h) => h.headers.authorization).length;
  const gitCalls = ctx.forge.requests.slice(before);
  return { gl, remote, gitCalls, attackerHits: ctx.attacker.hits.length - hits, tokenElsewhere, project };
}

export const forgeAttacks: Attack[] = [
  {
    finding: 1,
    name: "GitLab hook's git_http_url names the attacker's host",
    async run(ctx) {
      const r = await gitlabJobWithCloneUrl(ctx, `${ctx.attacker.origin}/victims/app.git`);
      const onlyForge = r.gitCalls.every((c) => c.authorization === basic("oauth2", GITLAB_TOKEN));
      return {
        blocked: r.attackerHits === 0 && onlyForge,
        detail: `attacker got ${r.attackerHits} requests (${r.tokenElsewhere} with a token); ${r.gitCalls.length} git requests went to GITLAB_URL; merge requests opened: ${r.gl.mergeRequestsOpened.length}`,
      };
    },
  },
  {
    finding: 1,
    name: "GitLab hook's git_http_url is a path on the worker's disk",
    async run(ctx) {
      const planted = bareRemote({ "planted.txt": "not the project\n" });
      try {
        const r = await gitlabJobWithCloneUrl(ctx, `file://${planted.remote}`);
        const touched = git(planted.remote, "branch", "--list", "sentinel/*");
        return {
          blocked: touched === "" && r.gl.mergeRequestsOpened.length === 1,
          detail: `planted repository's sentinel/* branches: ${touched || "none"}; the fix went to GITLAB_URL (${r.gl.mergeRequestsOpened.length} merge request)`,
        };
      } finally {
        rmSync(planted.root, { recursive: true, force: true });
      }
    },
  },
  {
    finding: 1,
    name: "GitHub delivery's repository.clone_url names the attacker's host",
    async run(ctx) {
      const repo = `octo/${ctx.unique("gh-clone")}`;
      const { sha } = ctx.forge.repo(repo, BADLY_FORMATTED_CRATE);
      const gh = fakeGithub({
        repo,
        baseUrl: ctx.api,
        installationId: INSTALLATION,
        logs: { "7001": actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT) },
        config: "mode: propose\n",
      });
      const hits = ctx.attacker.hits.length;
      await ctx.deliverGithub(
        "workflow_job",
        failedWorkflowJob({
          installation: INSTALLATION,
          repo,
          sha,
          jobId: 7001,
          remote: `${ctx.attacker.origin}/${repo}.git`,
        }),
      );
      await ctx.idle();
      const got = ctx.attacker.hits.length - hits;
      return {
        blocked: got === 0 && gh.opened.length === 1,
        detail: `attacker got ${got} requests; pull requests opened on the configured host: ${gh.opened.length}`,
      };
    },
  },
  {
    finding: 2,
    name: "GitLab note hook claims a maintainer wrote a reporter's note",
    async run(ctx) {
      const project = { id: ++projectIds, repo: `victims/${ctx.unique("note")}` };
      fakeGitlabProject({
        baseUrl: ctx.forge.origin,
        projectId: project.id,
        path: project.repo,
        traces: {},
        members: { 21: { access_level: 20 }, 40: { access_level: 40 } },
      });
      writtenOnGitlab(project.id, 3, { id: 41001, body: "/sentinel pause", author: { id: 21, username: "reporter" } });
      await ctx.gitlabHook("Note Hook", noteHook(project, 3, "/sentinel pause", 41001, { id: 40, username: "lead" }));
      await ctx.idle();
      const paused = await isPaused(ctx, project.repo, 3);
      return { blocked: !paused, detail: `merge request paused: ${paused}` };
    },
  },
  {
    finding: 2,
    name: "GitLab note hook claims text the note does not have",
    async run(ctx) {
      const project = { id: ++projectIds, repo: `victims/${ctx.unique("note-body")}` };
      fakeGitlabProject({
        baseUrl: ctx.forge.origin,
        projectId: project.id,
        path: project.repo,
        traces: {},
        members: { 40: { access_level: 40 } },
      });
      writtenOnGitlab(project.id, 4, { id: 41002, body: "LGTM", author: { id: 40, username: "lead" } });
      const { delivery } = await ctx.gitlabHook(
        "Note Hook",
        noteHook(project, 4, "/sentinel pause", 41002, { id: 40, username: "lead" }),
      );
      await ctx.idle();
      const paused = await isPaused(ctx, project.repo, 4);
      return { blocked: !paused, detail: `paused: ${paused}; outcome: ${await ctx.outcomeOf(delivery)}` };
    },
  },
  {
    finding: 2,
    name: "GitLab merge hook claims Sentinel's fix was merged (trust credit)",
    async run(ctx) {
      const project = { id: ++projectIds, repo: `victims/${ctx.unique("merge")}` };
      const branch = "sentinel/fix-0123456789abcdef0123";
      fakeGitlabProject({
        baseUrl: ctx.forge.origin,
        projectId: project.id,
        path: project.repo,
        traces: {},
        mrStates: { 71: { state: "opened", source_branch: branch } },
      });
      await new RunStore(ctx.app.store.db).upsertPullRequest({
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
        fingerprint: "sfp1-0",
        kind: "fix",
        agentId: "cargo-fmt",
      });
      const hook = fixture("merge-request-event.json");
      Object.assign(hook.project, { id: project.id, path_with_namespace: project.repo });
      Object.assign(hook.object_attributes, { iid: 71, action: "merge", state: "merged", source_branch: branch });
      await ctx.gitlabHook("Merge Request Hook", hook);
      await ctx.idle();
      const { rows } = await ctx.owner.query(
        "SELECT tier, clean_streak FROM agent_tiers WHERE forge = 'gitlab' AND repo = $1",
        [project.repo],
      );
      return { blocked: rows.length === 0, detail: `agent tiers changed: ${rows.length}` };
    },
  },
  {
    finding: 2,
    name: "GitLab hook pairs an attacker's project id with a guarded project's path",
    async run(ctx) {
      const attacker = { id: ++projectIds, repo: "attackers/app" };
      fakeGitlabProject({
        baseUrl: ctx.forge.origin,
        projectId: attacker.id,
        path: attacker.repo,
        traces: {},
        members: { 40: { access_level: 40 } },
      });
      writtenOnGitlab(attacker.id, 6, { id: 41004, body: "/sentinel pause", author: { id: 40, username: "lead" } });
      const { delivery } = await ctx.gitlabHook(
        "Note Hook",
        noteHook({ id: attacker.id, repo: "victims/guarded" }, 6, "/sentinel pause", 41004, {
          id: 40,
          username: "lead",
        }),
      );
      await ctx.idle();
      const paused = await isPaused(ctx, "victims/guarded", 6);
      return { blocked: !paused, detail: `outcome: ${await ctx.outcomeOf(delivery)}` };
    },
  },
  {
    finding: 2,
    name: "one project's webhook secret sends a hook naming another project",
    async run(ctx) {
      const p = fixture("pipeline-event.json");
      Object.assign(p.project, { id: ++projectIds, path_with_namespace: "victims/other" });
      const res = await ctx.gitlabHook("Pipeline Hook", p, GITLAB_SCOPED.secret);
      return {
        blocked: res.status === 403 && res.delivery === null,
        detail: `HTTP ${res.status}, delivery recorded: ${res.delivery !== null}`,
      };
    },
  },
  {
    finding: 4,
    name: "a fix job written into Redis claims forkApproved and manual",
    async run(ctx) {
      // forks: approve, and no maintainer approved: the job claims the approval itself.
      const fork = await forkFailure(ctx, "mode: propose\npolicy:\n  forks: approve\n");
      await ctx.app.queue.add(
        "fix",
        { failureKey: fork.failureKey, manual: true, forkApproved: true, requestedBy: "attacker" } as never,
        { jobId: safeJobId("fix", `${fork.failureKey}:injected`) },
      );
      await ctx.idle();
      const branches = git(fork.remote, "branch", "--list", "sentinel/*");
      const { rows } = await ctx.owner.query<{ verdict: string; rule: string | null }>(
        "SELECT verdict, rule FROM fix_decisions WHERE failure_key = $1",
        [fork.failureKey],
      );
      return {
        blocked: fork.gh.opened.length === 0 && branches === "" && rows[0]?.rule === "policy.forks",
        detail: `pull requests: ${fork.gh.opened.length}; branches: ${branches || "none"}; decision: ${rows[0]?.verdict} by ${rows[0]?.rule}`,
      };
    },
  },
  {
    finding: 5,
    name: "an approved fork fix pushes the fork's commit into the base repository",
    async run(ctx) {
      const fork = await forkFailure(ctx, "mode: propose\npolicy:\n  forks: approve\n");
      const scope = nock(ctx.forge.origin).persist();
      scope
        .get(`/api/v3/repos/${fork.repo}/collaborators/mona/permission`)
        .reply(200, { permission: "admin", role_name: "admin", user: { login: "mona" } });
      scope
        .post(new RegExp(`/repos/${fork.repo.replace("/", "\\/")}/issues/comments/\\d+/reactions$`))
        .reply(201, { id: 1 });
      await ctx.deliverGithub(
        "issue_comment",
        pullRequestComment({
          installation: INSTALLATION,
          repo: fork.repo,
          pr: 21,
          body: "/sentinel approve",
          id: 9021,
          login: "mona",
        }),
      );
      await ctx.idle();
      const branches = git(fork.remote, "branch", "--list", "sentinel/*");
      const patch = [...fork.gh.comments.values()].some((c) => c.issue === 21 && c.body.includes("git apply"));
      return {
        blocked: branches === "" && fork.gh.opened.length === 0 && patch,
        detail: `base repository's sentinel/* branches: ${branches || "none"}; pull requests: ${fork.gh.opened.length}; patch comment posted: ${patch}`,
      };
    },
  },
];

/** A diagnosed failure of a fork's pull request #21 (the fork's commit is only under refs/pull/21/head). */
async function forkFailure(ctx: AttackContext, config: string) {
  const repo = `octo/${ctx.unique("fork")}`;
  const { remote } = ctx.forge.repo(repo, BADLY_FORMATTED_CRATE);
  const src = mkdtempSync(path.join(tmpdir(), "sentinel-attack-fork-"));
  git(src, "clone", "-q", remote, ".");
  git(src, "commit", "-q", "--allow-empty", "-m", "a fork's contribution");
  const sha = git(src, "rev-parse", "HEAD");
  git(src, "push", "-q", remote, `${sha}:refs/pull/21/head`);
  rmSync(src, { recursive: true, force: true });
  const gh = fakeGithub({
    repo,
    baseUrl: ctx.api,
    installationId: INSTALLATION,
    logs: { "7021": actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT) },
    pulls: { [sha]: [{ number: 21, headRepo: "forker/hello" }] },
    config,
  });
  await ctx.deliverGithub(
    "workflow_job",
    failedWorkflowJob({
      installation: INSTALLATION,
      repo,
      sha,
      jobId: 7021,
      branch: "contrib",
      remote: ctx.cloneUrl(repo),
    }),
  );
  await ctx.idle();
  return { repo, remote, gh, failureKey: `github:${repositoryIdFor(repo)}:job:7021` };
}

async function isPaused(ctx: AttackContext, repo: string, mr: number): Promise<boolean> {
  const { rows } = await ctx.owner.query(
    "SELECT 1 FROM pauses WHERE forge = 'gitlab' AND repo = $1 AND pr_number = $2",
    [repo, mr],
  );
  return rows.length > 0;
}
