import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { nock } from "../support/http-mock.js";
import { afterAll, describe, expect, it } from "vitest";
import { GovernanceStore, RunStore } from "../../src/store/index.js";
import { git } from "../support/git-repos.js";
import { forgeGit } from "../support/forge-git.js";
import { actionsLog, fakeGithub } from "../support/github-api.js";
import { runningApp } from "../support/running-app.js";
import { serviceStack } from "../support/services.js";
import { hasCargoFmt } from "../support/toolchains.js";
import {
  BADLY_FORMATTED_CRATE,
  deliverGithub,
  failedWorkflowJob,
  pullRequestComment,
  RUSTFMT_OUTPUT,
  TEST_PRIVATE_KEY as privateKey,
} from "../support/github-webhooks.js";

const SECRET = "commands-secret";
const INSTALLATION = 5151;
const cleanup: string[] = [];
afterAll(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));
// GitHub Enterprise Server on loopback: git over HTTP from disk, the REST API (/api/v3) from nock.
const forge = await forgeGit();
const API = `${forge.origin}/api/v3`;

const BADLY_FORMATTED = BADLY_FORMATTED_CRATE;

let repoCounter = 0;

/** The collaborator-permission and reaction endpoints, next to `fakeGithub`'s (which keeps comments). */
function commandRoutes(repo: string, collaborators: Record<string, string>) {
  const reactions: Array<{ comment: number; content: string }> = [];
  const scope = nock(forge.origin).persist();
  scope.get(new RegExp(`^/api/v3/repos/${repo.replace("/", "\\/")}/collaborators/([^/]+)/permission$`)).reply((uri) => {
    const login = decodeURIComponent(/collaborators\/([^/]+)\/permission/.exec(uri)?.[1] ?? "");
    const role = collaborators[login];
    if (!role) return [404, { message: "Not Found" }];
    return [200, { permission: role === "maintain" ? "write" : role, role_name: role, user: { login } }];
  });
  scope
    .post(new RegExp(`^/api/v3/repos/${repo.replace("/", "\\/")}/issues/comments/(\\d+)/reactions$`))
    .reply((uri, body) => {
      reactions.push({
        comment: Number(/comments\/(\d+)\/reactions/.exec(uri)?.[1]),
        content: (body as { content: string }).content,
      });
      return [201, { id: 1, content: (body as { content: string }).content }];
    });
  return { reactions };
}

for (const stack of serviceStack("embedded")) {
  describe.skipIf(!stack.available)(`/sentinel commands in GitHub pull request comments, on ${stack.name}`, () => {
    const workDir = `/tmp/sentinel-commands-work-${process.pid}-${stack.name.length}`;
    const running = runningApp(
      {
        APP_ID: "123",
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET: SECRET,
        GHE_HOST: forge.host,
        GHE_PROTOCOL: "http",
        SENTINEL_WORK_DIR: workDir,
      },
      stack,
    );
    let deliveries = 0;

    async function deliver(event: string, payload: unknown, id = `cmd-${stack.name}-${++deliveries}`) {
      const res = await deliverGithub(running.app.port, SECRET, event, payload, id);
      expect(res.status).toBeLessThan(300);
      await running.app.queue.idle(90_000);
    }

    const comment = (
      repo: string,
      pr: number,
      body: string,
      opts: { id: number; login?: string; type?: string; action?: string },
    ) => pullRequestComment({ installation: INSTALLATION, repo, pr, body, ...opts });
    const failedJob = (repo: string, remote: string, sha: string, jobId: number, branch = "feature") =>
      failedWorkflowJob({ installation: INSTALLATION, repo, remote, sha, jobId, branch });

    const replies = (gh: ReturnType<typeof fakeGithub>, pr: number) =>
      [...gh.comments.values()]
        .filter((c) => c.issue === pr && !c.body.includes("<!-- sentinel:sticky -->"))
        .map((c) => c.body);
    const sticky = (gh: ReturnType<typeof fakeGithub>, pr: number) =>
      [...gh.comments.values()].find((c) => c.issue === pr && c.body.includes("<!-- sentinel:sticky -->"))?.body ?? "";

    it("answers /sentinel help with the command table and a thumbs-up", async () => {
      const repo = `octo/help-${++repoCounter}`;
      const gh = fakeGithub({ repo, baseUrl: API, installationId: INSTALLATION, logs: {} });
      const routes = commandRoutes(repo, { mona: "read" });
      await deliver("issue_comment", comment(repo, 7, "Thanks!\n/sentinel help\n", { id: 9001 }));
      expect(replies(gh, 7)).toHaveLength(1);
      expect(replies(gh, 7)[0]).toContain("`/sentinel ignore <fingerprint>`");
      expect(routes.reactions).toEqual([{ comment: 9001, content: "+1" }]);
    });

    it("tells a user without write access politely why a command is refused, and does nothing", async () => {
      const repo = `octo/refuse-${++repoCounter}`;
      const gh = fakeGithub({ repo, baseUrl: API, installationId: INSTALLATION, logs: {} });
      const routes = commandRoutes(repo, { reader: "read" });
      await deliver("issue_comment", comment(repo, 8, "/sentinel pause", { id: 9002, login: "reader" }));
      expect(replies(gh, 8)[0]).toMatch(/needs write access .* you have read/);
      expect(routes.reactions).toEqual([{ comment: 9002, content: "confused" }]);
      expect(await new GovernanceStore(running.app.store.db).isPaused("github", repo, [8])).toBe(false);
    });

    it("answers an unknown command with help", async () => {
      const repo = `octo/unknown-${++repoCounter}`;
      const gh = fakeGithub({ repo, baseUrl: API, installationId: INSTALLATION, logs: {} });
      commandRoutes(repo, { mona: "write" });
      await deliver("issue_comment", comment(repo, 9, "/sentinel frobnicate now", { id: 9003 }));
      expect(replies(gh, 9)[0]).toContain("does not know `/sentinel frobnicate now`");
      expect(replies(gh, 9)[0]).toContain("| `/sentinel help` |");
    });

    it("acts on a comment once, however many times it is delivered", async () => {
      const repo = `octo/once-${++repoCounter}`;
      const gh = fakeGithub({ repo, baseUrl: API, installationId: INSTALLATION, logs: {} });
      commandRoutes(repo, { mona: "write" });
      const c = comment(repo, 10, "/sentinel help", { id: 9004 });
      await deliver("issue_comment", c, `once-${stack.name}-a`);
      await deliver("issue_comment", c, `once-${stack.name}-a`); // a redelivery
      await deliver("issue_comment", c, `once-${stack.name}-b`); // a new delivery of the same comment
      expect(replies(gh, 10)).toHaveLength(1);
    });

    it("ignores commands in edited comments, quoted text, and comments by bots", async () => {
      const repo = `octo/ignored-${++repoCounter}`;
      const gh = fakeGithub({ repo, baseUrl: API, installationId: INSTALLATION, logs: {} });
      const routes = commandRoutes(repo, { mona: "admin" });
      await deliver("issue_comment", comment(repo, 11, "/sentinel help", { id: 9005, action: "edited" }));
      await deliver("issue_comment", comment(repo, 11, "> /sentinel help\nquoting someone", { id: 9006 }));
      await deliver(
        "issue_comment",
        comment(repo, 11, "/sentinel help", { id: 9007, login: "renovate[bot]", type: "Bot" }),
      );
      expect(replies(gh, 11)).toHaveLength(0);
      expect(routes.reactions).toHaveLength(0);
    });

    it("pauses and resumes Sentinel on a pull request, and the sticky comment says so", async () => {
      const repo = `octo/pause-${++repoCounter}`;
      const { remote, sha } = forge.repo(repo, BADLY_FORMATTED);
      const gh = fakeGithub({
        repo,
        baseUrl: API,
        installationId: INSTALLATION,
        logs: { "8101": actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT) },
        pulls: { [sha]: [{ number: 12, headRepo: repo }] },
      });
      commandRoutes(repo, { mona: "write" });
      await deliver("workflow_job", failedJob(repo, remote, sha, 8101));
      await deliver("issue_comment", comment(repo, 12, "/sentinel pause", { id: 9008 }));
      const gov = new GovernanceStore(running.app.store.db);
      expect(await gov.isPaused("github", repo, [12])).toBe(true);
      expect(sticky(gh, 12)).toContain("Sentinel is paused on this pull request");
      expect(sticky(gh, 12)).toContain("`/sentinel help`");
      await deliver("issue_comment", comment(repo, 12, "/sentinel resume", { id: 9009 }));
      expect(await gov.isPaused("github", repo, [12])).toBe(false);
      expect(sticky(gh, 12)).not.toContain("Sentinel is paused");
    });

    it("explains a failure and ignores its fingerprint on request", async () => {
      const repo = `octo/explain-${++repoCounter}`;
      const { remote, sha } = forge.repo(repo, BADLY_FORMATTED);
      const gh = fakeGithub({
        repo,
        baseUrl: API,
        installationId: INSTALLATION,
        logs: { "8201": actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT) },
        pulls: { [sha]: [{ number: 13, headRepo: repo }] },
      });
      commandRoutes(repo, { mona: "write" });
      await deliver("workflow_job", failedJob(repo, remote, sha, 8201));
      await deliver("issue_comment", comment(repo, 13, "/sentinel explain", { id: 9010 }));
      const explained = replies(gh, 13)[0] ?? "";
      expect(explained).toContain("Category `format`");
      const fingerprint = /`(sfp1-[0-9a-f]+)`/.exec(explained)?.[1];
      expect(fingerprint).toBeDefined();
      await deliver("issue_comment", comment(repo, 13, `/sentinel ignore ${fingerprint!.slice(5, 17)}`, { id: 9011 }));
      expect(await new GovernanceStore(running.app.store.db).isIgnored("github", repo, fingerprint!)).toBe(true);
      expect(sticky(gh, 13)).toContain("ignored by a maintainer");
    });

    it("reports status: mode, the head commit's failures with fingerprints, approvals waiting and agents' tiers", async () => {
      const repo = `octo/status-${++repoCounter}`;
      const { remote, sha } = forge.repo(repo, BADLY_FORMATTED);
      const gh = fakeGithub({
        repo,
        baseUrl: API,
        installationId: INSTALLATION,
        logs: { "8401": actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT) },
        pulls: { [sha]: [{ number: 15, headRepo: repo }] },
      });
      const routes = commandRoutes(repo, { reader: "read" });
      await deliver("workflow_job", failedJob(repo, remote, sha, 8401));
      await deliver("issue_comment", comment(repo, 15, "/sentinel status", { id: 9014, login: "reader" }));
      const [reply] = replies(gh, 15);
      expect(reply).toContain(`**Sentinel status** for ${repo}#15`);
      expect(reply).toContain("- Mode: `diagnose`");
      expect(reply).toMatch(
        /- Failures on the head commit: 1\n {2}- fmt: format failure \(cargo\) \(`sfp1-[0-9a-f]{20}`\)\n/,
      );
      expect(reply).toContain("- Waiting for approval: nothing");
      expect(routes.reactions).toEqual([{ comment: 9014, content: "+1" }]);
    });

    it("shows agents' tiers to anyone, sets one for a maintainer, and refuses a writer", async () => {
      const repo = `octo/tier-${++repoCounter}`;
      const gh = fakeGithub({ repo, baseUrl: API, installationId: INSTALLATION, logs: {} });
      const routes = commandRoutes(repo, { mona: "maintain", dev: "write" });
      await deliver("issue_comment", comment(repo, 16, "/sentinel tier eslint-fix T2", { id: 9015, login: "dev" }));
      expect(replies(gh, 16)[0]).toBe("@dev\n\nSorry, changing a tier needs maintain access, and you have write.");
      await deliver("issue_comment", comment(repo, 16, "/sentinel tier eslint-fix T2", { id: 9016, login: "mona" }));
      expect(replies(gh, 16)[1]).toContain("`eslint-fix` is now T2 push");
      const gov = new GovernanceStore(running.app.store.db);
      expect(await gov.getTier("github", repo, "eslint-fix")).toMatchObject({
        tier: 2,
        revoked: false,
        reason: "set by @mona",
      });
      expect((await gov.tierHistory("github", repo)).map((h) => [h.data.agent, h.data.to, h.data.cause])).toEqual([
        ["eslint-fix", 2, "maintainer"],
      ]);
      await deliver("issue_comment", comment(repo, 16, "/sentinel tier", { id: 9017, login: "dev" }));
      // Mentions in stored text are defused (a zero-width space), so showing them pings nobody.
      expect(replies(gh, 16)[2]).toContain("| `eslint-fix` | T2 push | 0 | set by @\u200bmona |");
      expect(routes.reactions.map((r) => r.content)).toEqual(["confused", "+1", "+1"]);
    });

    it("re-runs the head commit's failed job on /sentinel retry from a writer, and records the re-run", async () => {
      const repo = `octo/retry-${++repoCounter}`;
      const { remote, sha } = forge.repo(repo, BADLY_FORMATTED);
      const gh = fakeGithub({
        repo,
        baseUrl: API,
        installationId: INSTALLATION,
        logs: { "8501": actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT) },
        pulls: { [sha]: [{ number: 17, headRepo: repo }] },
      });
      commandRoutes(repo, { dev: "write" });
      await deliver("workflow_job", failedJob(repo, remote, sha, 8501));
      await deliver("issue_comment", comment(repo, 17, "/sentinel retry", { id: 9018, login: "dev" }));
      expect(gh.reruns).toEqual(["8501"]);
      expect(replies(gh, 17)[0]).toBe("@dev\n\nRe-running fmt.");
    });

    describe.skipIf(!hasCargoFmt)("with fixes", () => {
      it("waits for approval when the policy asks for it, and a maintainer's /sentinel approve resumes the run into a pull request", async () => {
        const repo = `octo/approve-${++repoCounter}`;
        const { remote, sha } = forge.repo(repo, BADLY_FORMATTED);
        const gh = fakeGithub({
          baseUrl: API,
          repo,
          installationId: INSTALLATION,
          logs: { "8301": actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT) },
          pulls: { [sha]: [{ number: 14, headRepo: repo }] },
          config: "mode: propose\npolicy:\n  approval:\n    require: [{ categories: [format] }]\n",
        });
        commandRoutes(repo, { mona: "maintain", dev: "write" });
        await deliver("workflow_job", failedJob(repo, remote, sha, 8301, "main"));
        expect(gh.opened).toHaveLength(0);
        const gov = new GovernanceStore(running.app.store.db);
        const [waiting] = await gov.waitingApprovals("github", repo, 14);
        expect(waiting).toMatchObject({ rule: "policy.approval.require[0]", status: "waiting" });
        expect(sticky(gh, 14)).toContain("waiting for approval");
        // Write access is not enough: the policy's approvers are maintainers by default.
        await deliver("issue_comment", comment(repo, 14, "/sentinel approve", { id: 9012, login: "dev" }));
        expect(replies(gh, 14).pop()).toContain("not one of the approvers");
        expect(gh.opened).toHaveLength(0);
        await deliver("issue_comment", comment(repo, 14, "/sentinel approve", { id: 9013, login: "mona" }));
        expect(gh.opened).toHaveLength(1);
        const runs = new RunStore(running.app.store.db);
        const ledger = (await runs.ledger(waiting!.runId)).map((e) => e.kind);
        expect(ledger).toEqual(
          expect.arrayContaining(["run.waiting", "approval.approved", "run.resumed", "pushed", "pull-request"]),
        );
        expect(await gov.getApproval(waiting!.runId)).toMatchObject({
          status: "approved",
          decidedBy: "@mona",
          decidedVia: "comment",
        });
      });

      it("runs a fork's fix only after a maintainer approves it, fetches nothing of the fork's before, and proposes the fix as a patch on the pull request without pushing anything", async () => {
        const repo = `octo/fork-${++repoCounter}`;
        const { remote } = forge.repo(repo, BADLY_FORMATTED);
        // The fork's commit exists in this repository only under the pull request's ref, as on GitHub.
        const src = mkdtempSync(path.join(tmpdir(), "sentinel-fork-src-"));
        cleanup.push(src);
        git(src, "clone", "-q", remote, ".");
        git(src, "checkout", "-q", "-b", "contrib");
        git(src, "commit", "-q", "--allow-empty", "-m", "a contribution from a fork");
        const sha = git(src, "rev-parse", "HEAD");
        git(src, "push", "-q", remote, `${sha}:refs/pull/16/head`);
        nock(forge.origin)
          .persist()
          .get(`/api/v3/repos/${repo}/pulls/16`)
          .reply(200, {
            number: 16,
            state: "open",
            user: { login: "forker" },
            head: { sha, ref: "contrib", repo: { full_name: "forker/hello" } },
            base: { ref: "main", repo: { full_name: repo } },
          });
        const gh = fakeGithub({
          baseUrl: API,
          repo,
          installationId: INSTALLATION,
          logs: { "8501": actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT) },
          pulls: { [sha]: [{ number: 16, headRepo: "forker/hello" }] },
          config: "mode: propose\npolicy:\n  forks: approve\n",
        });
        commandRoutes(repo, { mona: "maintain" });
        await deliver("workflow_job", failedJob(repo, remote, sha, 8501, "contrib"));
        expect(gh.opened).toHaveLength(0);
        const [waiting] = await new GovernanceStore(running.app.store.db).waitingApprovals("github", repo, 16);
        expect(waiting).toMatchObject({ rule: "policy.forks" });
        // Before the approval no fixer ran on the fork's code.
        expect(
          (await new RunStore(running.app.store.db).ledger(waiting!.runId)).filter((e) => e.kind === "command"),
        ).toHaveLength(0);
        expect(sticky(gh, 16)).toContain(
          "comes from a fork: Sentinel runs a fixer on its code only once a maintainer approves",
        );
        // Nor was the fork's commit fetched: no mirror of the work dir has the pull request's ref.
        const mirrors = path.join(workDir, "mirrors");
        const pullRefs = () =>
          (existsSync(mirrors) ? readdirSync(mirrors) : []).flatMap((m) =>
            git(path.join(mirrors, m), "for-each-ref", "--format=%(refname)", "refs/sentinel/")
              .split("\n")
              .filter(Boolean),
          );
        expect(pullRefs()).toEqual([]);
        await deliver("issue_comment", comment(repo, 16, "/sentinel approve", { id: 9015 }));
        // The fork's code lands nowhere: no pull request, no branch in this repository...
        expect(gh.opened).toHaveLength(0);
        expect(git(remote, "branch", "--list", "sentinel/*")).toBe("");
        // ...and its verified fix is a patch on the pull request, which applies to the fork's commit.
        const patchComment = replies(gh, 16).find((b) => b.includes("git apply"));
        expect(patchComment).toContain("pushes nothing");
        const patch = /```+diff\n([\s\S]*?)\n```+/.exec(patchComment ?? "")?.[1] ?? "";
        expect(patch).toContain("+    let x = 1;");
        const check = mkdtempSync(path.join(tmpdir(), "sentinel-fork-apply-"));
        cleanup.push(check);
        git(check, "clone", "-q", src, ".");
        writeFileSync(path.join(check, "sentinel.patch"), patch + "\n");
        git(check, "apply", "sentinel.patch");
        expect(readFileSync(path.join(check, "src/main.rs"), "utf8")).toContain("    let x = 1;");
        expect(pullRefs()).toEqual(["refs/sentinel/pull/16"]);
      });

      it("runs the fix pipeline for a diagnose-only repository on a writer's /sentinel fix, and opens the pull request", async () => {
        const repo = `octo/manual-fix-${++repoCounter}`;
        const { remote, sha } = forge.repo(repo, BADLY_FORMATTED);
        const gh = fakeGithub({
          repo,
          baseUrl: API,
          installationId: INSTALLATION,
          logs: { "8601": actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT) },
          pulls: { [sha]: [{ number: 18, headRepo: repo }] },
        });
        commandRoutes(repo, { dev: "write", reader: "read" });
        await deliver("workflow_job", failedJob(repo, remote, sha, 8601, "main"));
        expect(gh.opened).toHaveLength(0);
        await deliver("issue_comment", comment(repo, 18, "/sentinel fix", { id: 9019, login: "reader" }));
        expect(replies(gh, 18)[0]).toMatch(/needs write access/);
        expect(gh.opened).toHaveLength(0);
        await deliver("issue_comment", comment(repo, 18, "/sentinel fix", { id: 9020, login: "dev" }));
        expect(replies(gh, 18)[1]).toContain("Queued a fix run for 1 failure");
        expect(gh.opened).toHaveLength(1);
        expect(git(remote, "show", `${gh.opened[0]!.head}:src/main.rs`)).toContain("    let x = 1;");
        expect(sticky(gh, 18)).toContain(`verified fix #${gh.opened[0]!.number}`);
      });

      it("ends a waiting run on /sentinel deny, writing nothing", async () => {
        const repo = `octo/deny-${++repoCounter}`;
        const { remote, sha } = forge.repo(repo, BADLY_FORMATTED);
        const gh = fakeGithub({
          baseUrl: API,
          repo,
          installationId: INSTALLATION,
          logs: { "8401": actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT) },
          pulls: { [sha]: [{ number: 15, headRepo: repo }] },
          config: "mode: propose\npolicy:\n  approval:\n    require: [{}]\n",
        });
        commandRoutes(repo, { mona: "admin" });
        await deliver("workflow_job", failedJob(repo, remote, sha, 8401, "main"));
        const [waiting] = await new GovernanceStore(running.app.store.db).waitingApprovals("github", repo, 15);
        await deliver("issue_comment", comment(repo, 15, `/sentinel deny ${waiting!.runId}`, { id: 9014 }));
        expect(gh.opened).toHaveLength(0);
        expect((await new RunStore(running.app.store.db).getRun(waiting!.runId))?.status).toBe("denied");
        expect(git(remote, "branch", "--list", "sentinel/*")).toBe("");
        expect(sticky(gh, 15)).toMatch(/not fixed — stopped by `policy.approval.require\[0\]`: denied by @\u200bmona/);
      });
    });
  });
}
