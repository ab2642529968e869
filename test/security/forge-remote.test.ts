import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { gitEnv } from "../../src/workspace/index.js";
import { bareRemote, git } from "../support/git-repos.js";
import { forgeGit } from "../support/forge-git.js";
import { canary } from "../support/canary.js";
import { fakeGitlab, gitlabTrace } from "../support/gitlab-api.js";
import { actionsLog, fakeGithub } from "../support/github-api.js";
import {
  BADLY_FORMATTED_CRATE,
  deliverGithub,
  failedWorkflowJob,
  RUSTFMT_OUTPUT,
  TEST_PRIVATE_KEY,
} from "../support/github-webhooks.js";
import { runningApp } from "../support/running-app.js";
import { hasCargoFmt } from "../support/toolchains.js";

const run = promisify(execFile);
const cleanup: string[] = [];
afterAll(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));

const TOKEN = "glpat-test-token";
const forge = await forgeGit();
const attacker = await canary();

/** A bare repository on this machine that a hook could name as its "clone URL". */
function plantedLocalRepo(): string {
  const planted = bareRemote({ "evil.txt": "not the project\n" });
  cleanup.push(planted.root);
  return planted.remote;
}

const basicOf = (user: string, token: string) => `Basic ${Buffer.from(`${user}:${token}`).toString("base64")}`;

describe.skipIf(!hasCargoFmt)("a GitLab hook naming its own clone URL (finding 1: token exfiltration)", () => {
  const SECRET = "remote-secret";
  const running = runningApp({
    GITLAB_WEBHOOK_SECRET: SECRET,
    GITLAB_TOKEN: TOKEN,
    GITLAB_URL: forge.origin,
    SENTINEL_WORK_DIR: `/tmp/sentinel-remote-${process.pid}`,
  });

  let projects = 0;
  const jobEvent = () =>
    JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../fixtures/gitlab-hooks/job-event.json"), "utf8"));

  for (const [what, cloneUrl] of [
    ["an attacker's host over plain http", `${attacker.origin}/gitlab-org/gitlab-test.git`],
    ["a path on the worker's disk", plantedLocalRepo()],
    ["a file:// URL on the worker's disk", `file://${plantedLocalRepo()}`],
  ] as const) {
    it(`never dials ${what}: the fix is fetched from and pushed to GITLAB_URL, with the token sent only there`, async () => {
      const project = { id: 900 + ++projects, path: `victims/project-${projects}` };
      const { remote, sha } = forge.repo(project.path, BADLY_FORMATTED_CRATE);
      const gl = fakeGitlab({
        baseUrl: forge.origin,
        projectId: project.id,
        path: project.path,
        defaultBranch: "main",
        traces: { "1977": gitlabTrace("cargo fmt --all --check", RUSTFMT_OUTPUT) },
        config: "mode: propose\n",
      });
      const job = jobEvent();
      Object.assign(job, { build_status: "failed", sha, ref: "main", build_name: "fmt", project_id: project.id });
      Object.assign(job.project, {
        id: project.id,
        path_with_namespace: project.path,
        git_http_url: cloneUrl,
        git_ssh_url: cloneUrl,
      });
      const before = forge.requests.length;
      const res = await fetch(`http://127.0.0.1:${running.app.port}/api/gitlab/webhook`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-gitlab-event": "Job Hook",
          "x-gitlab-token": SECRET,
          "idempotency-key": `remote-${project.id}`,
        },
        body: JSON.stringify(job),
      });
      expect(res.status).toBe(202);
      await running.app.queue.idle(90_000);

      expect(attacker.hits).toEqual([]);
      expect(gl.mergeRequestsOpened).toHaveLength(1);
      expect(git(remote, "show", `${gl.mergeRequestsOpened[0]!.source_branch}:src/main.rs`)).toContain(
        "    let x = 1;",
      );
      const gitCalls = forge.requests.slice(before);
      expect(gitCalls.length).toBeGreaterThan(0);
      expect(
        gitCalls.every(
          (r) => r.path.startsWith(`/${project.path}.git/`) && r.authorization === basicOf("oauth2", TOKEN),
        ),
      ).toBe(true);
      if (!cloneUrl.includes("://127.0.0.1")) {
        const planted = cloneUrl.replace(/^file:\/\//, "");
        expect(git(planted, "branch", "--list", "sentinel/*")).toBe("");
      }
    }, 120_000);
  }
});

describe.skipIf(!hasCargoFmt)("a GitHub delivery naming its own clone URL", () => {
  const SECRET = "remote-gh-secret";
  const running = runningApp({
    APP_ID: "123",
    PRIVATE_KEY: TEST_PRIVATE_KEY,
    WEBHOOK_SECRET: SECRET,
    GHE_HOST: forge.host,
    GHE_PROTOCOL: "http",
    SENTINEL_WORK_DIR: `/tmp/sentinel-remote-gh-${process.pid}`,
  });

  it("builds the remote from the API base and the repository the API names for the delivery's id, never from clone_url", async () => {
    const repo = "octo/remote-derived";
    const { remote, sha } = forge.repo(repo, BADLY_FORMATTED_CRATE);
    const gh = fakeGithub({
      repo,
      baseUrl: `${forge.origin}/api/v3`,
      installationId: 31,
      logs: { "7301": actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT) },
      config: "mode: propose\n",
    });
    const job = failedWorkflowJob({
      installation: 31,
      repo,
      sha,
      jobId: 7301,
      remote: `${attacker.origin}/octo/remote-derived.git`,
    });
    job.repository.git_url = `${attacker.origin}/octo/remote-derived.git`;
    expect((await deliverGithub(running.app.port, SECRET, "workflow_job", job, "remote-gh-1")).status).toBe(200);
    await running.app.queue.idle(90_000);
    expect(attacker.hits).toEqual([]);
    expect(gh.opened).toHaveLength(1);
    expect(git(remote, "branch", "--list", "sentinel/*")).toContain(gh.opened[0]!.head);
  }, 120_000);
});

describe("git's environment for a forge remote", () => {
  const forgeRemote = {
    url: `${forge.origin}/acme/app.git`,
    auth: { token: "ghs_scoped_secret", user: "x-access-token" },
  };

  it("scopes the token's header to the forge's origin: a request to any other host carries none", async () => {
    const env = gitEnv({ remote: forgeRemote });
    const dir = mkdtempSync(path.join(tmpdir(), "sentinel-scope-"));
    cleanup.push(dir);
    // Another http URL, as a submodule, a redirect target or a repository's own config could name.
    await run("git", ["ls-remote", "--", `${attacker.origin}/acme/app.git`], { cwd: dir, env }).catch(() => null);
    expect(attacker.hits.length).toBeGreaterThan(0);
    expect(attacker.hits.every((h) => h.headers.authorization === undefined)).toBe(true);
  });

  it("does not follow a redirect away from the forge while it carries the token", async () => {
    const target = await canary();
    const redirecting = await canary((p) => ({ status: 302, headers: { location: `${target.origin}${p}` } }));
    const env = gitEnv({ remote: { url: `${redirecting.origin}/acme/app.git`, auth: forgeRemote.auth } });
    const failed = await run("git", ["ls-remote", "--", `${redirecting.origin}/acme/app.git`], { env }).then(
      () => false,
      () => true,
    );
    expect(failed).toBe(true);
    expect(redirecting.hits.length).toBeGreaterThan(0);
    expect(target.hits).toEqual([]);
  });

  it("allows no transport at all without a remote, and the local file transport only for a token-less local remote", async () => {
    const keys = (env: Record<string, string>) =>
      Object.entries(env)
        .filter(([k]) => k.startsWith("GIT_CONFIG_KEY_"))
        .map(([k, v]) => `${v}=${env[k.replace("KEY", "VALUE")]}`);
    expect(keys(gitEnv())).toContain("protocol.allow=never");
    expect(keys(gitEnv()).filter((k) => /^protocol\.(file|http|https)\.allow/.test(k))).toEqual([]);
    expect(keys(gitEnv({ remote: { url: "/srv/git/app.git" } }))).toContain("protocol.file.allow=always");
    expect(keys(gitEnv({ remote: forgeRemote }))).toEqual(
      expect.arrayContaining([
        "protocol.http.allow=always",
        "http.followRedirects=false",
        `http.${forge.origin}/.extraHeader=Authorization: ${basicOf("x-access-token", "ghs_scoped_secret")}`,
      ]),
    );
    expect(keys(gitEnv({ remote: forgeRemote })).some((k) => k.startsWith("http.extraHeader"))).toBe(false);
  });

  it("refuses to send a token to a local path, a file: URL or a URL with credentials in it", () => {
    const auth = forgeRemote.auth;
    expect(() => gitEnv({ remote: { url: "/srv/git/app.git", auth } })).toThrow(/never to a local path/);
    expect(() => gitEnv({ remote: { url: "file:///srv/git/app.git", auth } })).toThrow(/never to a local path/);
    expect(() => gitEnv({ remote: { url: "https://user:pw@gitlab.example.invalid/a/b.git", auth } })).toThrow(
      /no credentials/,
    );
    expect(() => gitEnv({ remote: { url: "ext::sh -c evil", auth } })).toThrow();
  });

  it("refuses a local path even without a token when git is asked to reach it through a forge remote's environment", async () => {
    const env = gitEnv({ remote: forgeRemote });
    const planted = plantedLocalRepo();
    const failed = await run("git", ["ls-remote", "--", planted], { env }).then(
      () => false,
      (e: { stderr?: string }) => e.stderr ?? "failed",
    );
    expect(failed).toMatch(/transport 'file' not allowed/);
  });
});
