import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GovernanceStore, RunStore } from "../../src/store/index.js";
import { bareRemote, git } from "../support/git-repos.js";
import { forgeGit } from "../support/forge-git.js";
import { actionsLog, fakeGithub } from "../support/github-api.js";
import { runningApp } from "../support/running-app.js";
import { serviceStack } from "../support/services.js";
import { hasCargoFmt } from "../support/toolchains.js";
import {
  BADLY_FORMATTED_CRATE,
  deliverGithub,
  failedWorkflowJob,
  RUSTFMT_OUTPUT,
  TEST_PRIVATE_KEY as privateKey,
} from "../support/github-webhooks.js";

const SECRET = "loop-secret";
const INSTALLATION = 7171;
const cleanup: string[] = [];
afterAll(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));

const FMT_LOG = actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT);
const BADLY_FORMATTED = BADLY_FORMATTED_CRATE;
const FREEZE_EVERY_DAY =
  'policy:\n  freeze:\n    - days: [mon, tue, wed, thu, fri, sat, sun]\n      start: "00:00"\n      end: "24:00"\n      timezone: UTC\n';

let repoCounter = 0;
// GitHub Enterprise Server on loopback: git over HTTP from disk, the REST API (/api/v3) from nock.
const forge = await forgeGit();
const API = `${forge.origin}/api/v3`;

/** A repository of its own per test (attempts and cooldowns are per repository), served from a bare repo on disk. */
function newRepo(what: string) {
  const n = ++repoCounter;
  const fullName = `Codertocat/${what}-${n}`;
  const crate = bareRemote(BADLY_FORMATTED, { at: forge.path(fullName) });
  cleanup.push(crate.root);
  return { fullName, id: 710_000 + n, ...crate };
}

/** Another commit on main that leaves the formatting as broken as it was. */
function anotherCommit(repo: { root: string; remote: string }, n: number): string {
  const src = path.join(repo.root, "src");
  writeFileSync(path.join(src, "README.md"), `change ${n}\n`);
  git(src, "add", "-A");
  git(src, "commit", "-q", "-m", `docs: change ${n}`);
  git(src, "push", "-q", repo.remote, "HEAD:main");
  return git(src, "rev-parse", "HEAD");
}

/** The real failed `workflow_job` example from @octokit/webhooks-examples, with the installation and the ids the scenario needs. */
function failedJob(
  repo: { fullName: string; id: number; remote: string },
  o: { id: number; sha: string; branch?: string; name?: string },
) {
  return failedWorkflowJob({
    installation: INSTALLATION,
    repo: repo.fullName,
    repoId: repo.id,
    remote: repo.remote,
    sha: o.sha,
    jobId: o.id,
    ...(o.branch ? { branch: o.branch } : {}),
    ...(o.name ? { name: o.name } : {}),
  });
}

for (const stack of serviceStack("services")) {
  describe.skipIf(!hasCargoFmt || !stack.available)(
    `loop protection, cooldowns, shadow mode and freezes for GitHub fixes, on ${stack.name}`,
    () => {
      const running = runningApp(
        {
          APP_ID: "123",
          PRIVATE_KEY: privateKey,
          WEBHOOK_SECRET: SECRET,
          GHE_HOST: forge.host,
          GHE_PROTOCOL: "http",
          SENTINEL_WORK_DIR: `/tmp/sentinel-loop-work-${process.pid}-${stack.name.length}`,
        },
        stack,
      );
      let deliveries = 0;

      async function deliver(payload: unknown) {
        const res = await deliverGithub(
          running.app.port,
          SECRET,
          "workflow_job",
          payload,
          `loop-${stack.name.length}-${++deliveries}`,
        );
        expect(res.status).toBe(200);
        await running.app.queue.idle(60_000);
      }

      const failureKey = (repo: { id: number }, jobId: number) => `github:${repo.id}:job:${jobId}`;
      const decision = async (repo: { id: number }, jobId: number) =>
        (await new GovernanceStore(running.app.store.db).decisions([failureKey(repo, jobId)])).get(
          failureKey(repo, jobId),
        );
      const sticky = (gh: ReturnType<typeof fakeGithub>, pr: number) =>
        [...gh.comments.values()].find((c) => c.issue === pr && c.body.includes("<!-- sentinel:sticky -->"))?.body ??
        "";
      const fixBranches = (repo: { remote: string }) => git(repo.remote, "branch", "--list", "sentinel/*");

      it("diagnoses but does not fix a failure on its own fix branch, and names policy.loop", async () => {
        const repo = newRepo("own-branch");
        const gh = fakeGithub({
          repo: repo.fullName,
          repoId: repo.id,
          baseUrl: API,
          installationId: INSTALLATION,
          logs: { "7101": FMT_LOG },
          config: "mode: propose\n",
          pulls: { [repo.sha]: [{ number: 81, headRepo: repo.fullName }] },
        });
        await deliver(failedJob(repo, { id: 7101, sha: repo.sha, branch: "sentinel/fix-0123456789abcdef0123" }));

        expect(await running.app.store.failures.get(failureKey(repo, 7101))).toMatchObject({ status: "diagnosed" });
        expect((await running.app.store.diagnoses.get(failureKey(repo, 7101)))?.diagnosis).toMatchObject({
          category: "format",
        });
        expect(await decision(repo, 7101)).toMatchObject({
          verdict: "denied",
          rule: "policy.loop",
          message: expect.stringContaining("does not fix its own fixes"),
        });
        expect(sticky(gh, 81)).toContain("stopped by `policy.loop`");
        expect(gh.opened).toHaveLength(0);
        expect(fixBranches(repo)).toBe("");
      });

      it("does not fix CI failing on the commit it pushed onto a pull request's branch, and names policy.loop", async () => {
        const repo = newRepo("own-push");
        git(repo.remote, "branch", "feature", repo.sha);
        const pulls: Record<string, Array<{ number: number; headRepo: string }>> = {
          [repo.sha]: [{ number: 82, headRepo: repo.fullName }],
        };
        const gh = fakeGithub({
          repo: repo.fullName,
          repoId: repo.id,
          baseUrl: API,
          installationId: INSTALLATION,
          logs: { "7111": FMT_LOG, "7112": FMT_LOG },
          config: "mode: push\npolicy:\n  tiers:\n    start: T2\n",
          pulls,
        });
        await deliver(failedJob(repo, { id: 7111, sha: repo.sha, branch: "feature" }));
        const pushed = git(repo.remote, "rev-parse", "feature");
        expect(pushed).not.toBe(repo.sha);

        // CI runs on Sentinel's commit and (say) fails the same way: that is the fix's one verification round.
        pulls[pushed] = [{ number: 82, headRepo: repo.fullName }];
        await deliver(failedJob(repo, { id: 7112, sha: pushed, branch: "feature" }));

        expect(await decision(repo, 7112)).toMatchObject({ verdict: "denied", rule: "policy.loop" });
        expect(git(repo.remote, "rev-parse", "feature")).toBe(pushed);
        expect(sticky(gh, 82)).toContain("stopped by `policy.loop`");
      });

      it("opens no second fix when the same commit fails again in another job after policy.loop.maxAttemptsPerCommit: 1, and names the rule", async () => {
        const repo = newRepo("per-commit");
        const gh = fakeGithub({
          repo: repo.fullName,
          repoId: repo.id,
          baseUrl: API,
          installationId: INSTALLATION,
          logs: { "7121": FMT_LOG, "7122": FMT_LOG },
          config: "mode: propose\npolicy:\n  loop:\n    maxAttemptsPerCommit: 1\n",
          pulls: { [repo.sha]: [{ number: 83, headRepo: repo.fullName }] },
        });
        await deliver(failedJob(repo, { id: 7121, sha: repo.sha, name: "fmt" }));
        expect(gh.opened).toHaveLength(1);
        await deliver(failedJob(repo, { id: 7122, sha: repo.sha, name: "fmt (nightly toolchain)" }));

        expect(gh.opened).toHaveLength(1);
        expect(await decision(repo, 7122)).toMatchObject({
          verdict: "denied",
          rule: "policy.loop.maxAttemptsPerCommit",
          message: expect.stringContaining("1 fix runs already on this commit"),
        });
        expect(sticky(gh, 83)).toContain("stopped by `policy.loop.maxAttemptsPerCommit`");
      });

      it("stops before any fixer runs when a person pushed onto its fix branch, leaves their commit there, and names policy.loop", async () => {
        const repo = newRepo("human-push");
        const gh = fakeGithub({
          repo: repo.fullName,
          repoId: repo.id,
          baseUrl: API,
          installationId: INSTALLATION,
          logs: { "7151": FMT_LOG, "7152": FMT_LOG },
          config: "mode: propose\n",
        });
        await deliver(failedJob(repo, { id: 7151, sha: repo.sha }));
        expect(gh.opened).toHaveLength(1);
        const branch = gh.opened[0]!.head;

        // A maintainer takes the fix branch over with a commit of their own.
        const work = path.join(repo.root, "maintainer");
        git(repo.root, "clone", "-q", "-b", branch, repo.remote, work);
        writeFileSync(path.join(work, "NOTES.md"), "taking this over\n");
        git(work, "add", "-A");
        git(
          work,
          "-c",
          "user.name=Mona",
          "-c",
          "user.email=mona@example.invalid",
          "commit",
          "-q",
          "-m",
          "maintainer: finish the fix by hand",
        );
        git(work, "push", "-q", "origin", branch);
        const theirs = git(work, "rev-parse", "HEAD");

        // The same failure on the next commit of main.
        await deliver(failedJob(repo, { id: 7152, sha: anotherCommit(repo, 2) }));
        const d = await decision(repo, 7152);
        expect(d).toMatchObject({
          verdict: "denied",
          rule: "policy.loop",
          message: expect.stringContaining("a person pushed to Sentinel's fix branch"),
        });
        expect(git(repo.remote, "rev-parse", branch)).toBe(theirs);
        expect(gh.opened).toHaveLength(1);
        // Stopped at the PREFLIGHT gate: no fixer command ran.
        expect((await new RunStore(running.app.store.db).ledger(d!.runId!)).map((e) => e.kind)).not.toContain(
          "command",
        );
      });

      it("does not fix the same failure on a new commit within policy.cooldown.perFingerprint, and names the rule", async () => {
        const repo = newRepo("cooldown");
        const gh = fakeGithub({
          repo: repo.fullName,
          repoId: repo.id,
          baseUrl: API,
          installationId: INSTALLATION,
          logs: { "7131": FMT_LOG, "7132": FMT_LOG },
          config: "mode: propose\npolicy:\n  cooldown:\n    perFingerprint: 6h\n",
        });
        await deliver(failedJob(repo, { id: 7131, sha: repo.sha }));
        expect(gh.opened).toHaveLength(1);
        const next = anotherCommit(repo, 1);
        await deliver(failedJob(repo, { id: 7132, sha: next }));

        expect(gh.opened).toHaveLength(1);
        const d = await decision(repo, 7132);
        expect(d).toMatchObject({
          verdict: "denied",
          rule: "policy.cooldown.perFingerprint",
          message: expect.stringContaining("less than 6h ago"),
        });
        // Same fingerprint, so the one fix branch; it still holds the first fix.
        expect((await running.app.store.diagnoses.get(failureKey(repo, 7132)))?.diagnosis.fingerprint).toBe(
          (await running.app.store.diagnoses.get(failureKey(repo, 7131)))?.diagnosis.fingerprint,
        );
      });

      it("in mode: shadow runs the fix to VERIFY, writes nothing, and records the shadow decision with the diff it would make", async () => {
        const repo = newRepo("shadow");
        const gh = fakeGithub({
          repo: repo.fullName,
          repoId: repo.id,
          baseUrl: API,
          installationId: INSTALLATION,
          logs: { "7141": FMT_LOG },
          config: "mode: shadow\n",
          pulls: { [repo.sha]: [{ number: 84, headRepo: repo.fullName }] },
        });
        await deliver(failedJob(repo, { id: 7141, sha: repo.sha }));

        expect(gh.opened).toHaveLength(0);
        expect(gh.calls.filter((c) => c.method === "POST" && c.path.endsWith("/pulls"))).toEqual([]);
        expect(fixBranches(repo)).toBe("");
        const d = await decision(repo, 7141);
        expect(d).toMatchObject({
          verdict: "shadow",
          rule: null,
          message: expect.stringMatching(
            /would change 1 file \(\+4 −1\), verified by `cargo fmt --all --check`; nothing was written/,
          ),
        });
        const ledger = await new RunStore(running.app.store.db).ledger(d!.runId!);
        expect(ledger.find((e) => e.kind === "verify")?.data).toMatchObject({ exitCode: 0, status: "passed" });
        expect(ledger.find((e) => e.kind === "shadow")?.data).toEqual({
          wouldChange: ["src/main.rs"],
          linesAdded: 4,
          linesDeleted: 1,
        });
        expect(ledger.map((e) => e.kind)).not.toContain("pushed");
        expect(sticky(gh, 84)).toContain("- 👀 fmt: shadow mode:");
      });

      it("opens nothing during a policy.freeze window that covers every day, and names policy.freeze[0]", async () => {
        const repo = newRepo("freeze");
        const gh = fakeGithub({
          repo: repo.fullName,
          repoId: repo.id,
          baseUrl: API,
          installationId: INSTALLATION,
          logs: { "7151": FMT_LOG },
          config: `mode: propose\n${FREEZE_EVERY_DAY}`,
          pulls: { [repo.sha]: [{ number: 85, headRepo: repo.fullName }] },
        });
        await deliver(failedJob(repo, { id: 7151, sha: repo.sha }));

        expect(gh.opened).toHaveLength(0);
        expect(fixBranches(repo)).toBe("");
        expect(await decision(repo, 7151)).toMatchObject({
          verdict: "denied",
          rule: "policy.freeze[0]",
          message: expect.stringContaining("change freeze (policy.freeze[0]) with no end in sight"),
        });
        expect(sticky(gh, 85)).toContain("stopped by `policy.freeze[0]`");
      });

      it("still runs a shadow fix during a freeze, since a shadow run writes nothing", async () => {
        const repo = newRepo("freeze-shadow");
        const gh = fakeGithub({
          repo: repo.fullName,
          repoId: repo.id,
          baseUrl: API,
          installationId: INSTALLATION,
          logs: { "7161": FMT_LOG },
          config: `mode: shadow\n${FREEZE_EVERY_DAY}`,
        });
        await deliver(failedJob(repo, { id: 7161, sha: repo.sha }));

        expect(gh.opened).toHaveLength(0);
        expect(await decision(repo, 7161)).toMatchObject({ verdict: "shadow", rule: null });
      });
    },
  );
}
