import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { safeJobId } from "../../src/queue/index.js";
import { GovernanceStore, RunStore } from "../../src/store/index.js";
import { forgeGit } from "../support/forge-git.js";
import { git } from "../support/git-repos.js";
import { actionsLog, fakeGithub } from "../support/github-api.js";
import {
  BADLY_FORMATTED_CRATE,
  deliverGithub,
  failedWorkflowJob,
  RUSTFMT_OUTPUT,
  TEST_PRIVATE_KEY,
} from "../support/github-webhooks.js";
import { runningApp } from "../support/running-app.js";
import { SERVICE_STACKS } from "../support/services.js";
import { hasCargoFmt } from "../support/toolchains.js";

const SECRET = "queue-data-secret";
const INSTALLATION = 6161;
const forge = await forgeGit();
const API = `${forge.origin}/api/v3`;
const cleanup: string[] = [];
afterAll(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));

// What anyone who can reach Redis writes: the BullMQ stack is the one to attack.
for (const stack of SERVICE_STACKS.filter((s) => s.name.includes("Redis"))) {
  describe.skipIf(!hasCargoFmt || !stack.available)(
    `fix jobs written straight into the queue (finding 4), on ${stack.name}`,
    () => {
      const workDir = mkdtempSync(path.join(tmpdir(), "sentinel-queue-data-"));
      cleanup.push(workDir);
      const running = runningApp(
        {
          APP_ID: "123",
          PRIVATE_KEY: TEST_PRIVATE_KEY,
          WEBHOOK_SECRET: SECRET,
          GHE_HOST: forge.host,
          GHE_PROTOCOL: "http",
          SENTINEL_WORK_DIR: workDir,
        },
        stack,
      );
      let n = 0;

      /** A diagnosed failure of a fork's pull request in a repository that fixes forks once a maintainer approves (policy.forks: approve). */
      async function forkFailure() {
        const repo = `octo/queue-${stack.name.length}-${++n}`;
        const { remote } = forge.repo(repo, BADLY_FORMATTED_CRATE);
        const src = mkdtempSync(path.join(tmpdir(), "sentinel-queue-fork-"));
        cleanup.push(src);
        git(src, "clone", "-q", remote, ".");
        git(src, "commit", "-q", "--allow-empty", "-m", "a fork's contribution");
        const sha = git(src, "rev-parse", "HEAD");
        git(src, "push", "-q", remote, `${sha}:refs/pull/21/head`);
        const jobId = 8800 + n;
        const gh = fakeGithub({
          repo,
          baseUrl: API,
          installationId: INSTALLATION,
          logs: { [jobId]: actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT) },
          pulls: { [sha]: [{ number: 21, headRepo: "forker/hello" }] },
          config: "mode: propose\npolicy:\n  forks: approve\n",
        });
        expect(
          (
            await deliverGithub(
              running.app.port,
              SECRET,
              "workflow_job",
              failedWorkflowJob({ installation: INSTALLATION, repo, sha, jobId, branch: "contrib" }),
              `queue-${stack.name.length}-${n}`,
            )
          ).status,
        ).toBe(200);
        await running.app.queue.idle(60_000);
        const failureKey = (
          await running.app.store.db.query<{ failure_key: string }>(
            "SELECT failure_key FROM failures WHERE repo = $1",
            [repo],
          )
        ).rows[0]!.failure_key;
        return { repo, remote, gh, failureKey };
      }

      it("gives a job claiming forkApproved, manual and requestedBy none of it: the fork's run still waits for a maintainer, and nothing is fetched or written", async () => {
        const { repo, remote, gh, failureKey } = await forkFailure();
        // What anyone who can reach Redis can write: BullMQ hands job data to the worker as it is.
        await running.app.queue.add(
          "fix",
          { failureKey, manual: true, forkApproved: true, requestedBy: "attacker" } as never,
          { jobId: safeJobId("fix", `${failureKey}:injected`) },
        );
        await running.app.queue.idle(60_000);
        expect(gh.opened).toEqual([]);
        expect(git(remote, "branch", "--list", "sentinel/*")).toBe("");
        const decision = (await new GovernanceStore(running.app.store.db).decisions([failureKey])).get(failureKey);
        expect(decision).toMatchObject({ verdict: "waiting", rule: "policy.forks" });
        const runs = new RunStore(running.app.store.db);
        const run = await runs.getRun(decision!.runId!);
        expect(run).toMatchObject({ manual: false });
        expect((await runs.ledger(decision!.runId!)).find((e) => e.kind === "run.started")?.data).toMatchObject({
          manual: false,
          requestedBy: null,
        });
        expect((await runs.ledger(decision!.runId!)).map((e) => e.kind)).not.toContain("workspace.mirror");
        expect(repo).toBeTruthy();
      });

      it("resumes nothing for a job naming a run that no one approved", async () => {
        const { failureKey, gh } = await forkFailure();
        // A run of this failure that the policy denied (forks: diagnose): nobody approved it.
        await running.app.queue.add("fix", { failureKey }, { jobId: safeJobId("fix", `${failureKey}:plain`) });
        await running.app.queue.idle(60_000);
        const [waitingOrDenied] = (
          await running.app.store.db.query<{ run_id: string }>("SELECT run_id FROM runs WHERE failure_key = $1", [
            failureKey,
          ])
        ).rows;
        await running.app.queue.add(
          "fix",
          { failureKey, resumeRunId: waitingOrDenied!.run_id },
          { jobId: safeJobId("fix", `${failureKey}:resume-forged`) },
        );
        await running.app.queue.idle(60_000);
        expect(gh.opened).toEqual([]);
        expect(
          (await new RunStore(running.app.store.db).ledger(waitingOrDenied!.run_id)).map((e) => e.kind),
        ).not.toContain("run.resumed");
      });
    },
  );
}

describe("a manual fix request", () => {
  it("is good for one run: once a run finished with it, naming it again grants nothing", async () => {
    const { openDatabase } = await import("../../src/store/index.js");
    const db = await openDatabase({});
    try {
      const gov = new GovernanceStore(db);
      const runs = new RunStore(db);
      const id = await gov.recordFixRequest({
        failureKey: "github:1:job:1",
        forge: "github",
        repo: "o/r",
        requestedBy: "mona",
        via: "comment",
        commentId: "9",
      });
      expect(await gov.claimFixRequest(id, "github:1:job:2")).toBeNull();
      expect(await gov.claimFixRequest(id, "github:1:job:1")).toEqual({ requestedBy: "mona", via: "comment" });
      await runs.startRun({
        runId: "run_req",
        runKey: "k",
        forge: "github",
        repo: "o/r",
        fingerprint: "f",
        failureKey: "github:1:job:1",
        manual: true,
      });
      await runs.finishRun("run_req", "succeeded", { runId: "run_req", status: "proposed", reason: "" });
      await gov.spendFixRequest(id, "run_req");
      expect(await gov.claimFixRequest(id, "github:1:job:1")).toBeNull();
    } finally {
      await db.close();
    }
  });
});
