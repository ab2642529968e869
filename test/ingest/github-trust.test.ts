import { describe, expect, it } from "vitest";
import { GovernanceStore, RunStore } from "../../src/store/index.js";
import { fakeGithub } from "../support/github-api.js";
import { runningApp } from "../support/running-app.js";
import { serviceStack } from "../support/services.js";
import { deliverGithub, githubExample, TEST_PRIVATE_KEY as privateKey } from "../support/github-webhooks.js";

const SECRET = "trust-secret";
const INSTALLATION = 7171;

for (const stack of serviceStack("embedded")) {
  describe.skipIf(!stack.available)(
    `merged, closed and reverted fix pull requests move an agent's tier, on ${stack.name}`,
    () => {
      const running = runningApp({ APP_ID: "123", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET }, stack);
      let deliveries = 0;
      let repos = 0;

      async function deliver(payload: unknown) {
        const res = await deliverGithub(
          running.app.port,
          SECRET,
          "pull_request",
          payload,
          `trust-${stack.name}-${++deliveries}`,
        );
        expect(res.status).toBeLessThan(300);
        await running.app.queue.idle(30_000);
      }

      function closed(repo: string, number: number, o: { merged: boolean; head: string; body?: string }) {
        const p = githubExample("pull_request", (x) => x.action === "closed");
        p.installation = { id: INSTALLATION };
        p.repository.full_name = repo;
        p.number = number;
        Object.assign(p.pull_request, { number, merged: o.merged, body: o.body ?? "" });
        p.pull_request.head.ref = o.head;
        return p;
      }

      async function openFix(
        repo: string,
        number: number,
        config = "mode: propose\npolicy:\n  tiers: { start: T1, max: T2, promoteAfter: 2 }\n",
      ) {
        fakeGithub({ repo, installationId: INSTALLATION, logs: {}, config });
        await new RunStore(running.app.store.db).upsertPullRequest({
          forge: "github",
          repo,
          headBranch: `sentinel/fix-${number}`,
          number,
          url: null,
          baseBranch: "main",
          title: "fix",
          body: "",
          state: "open",
          runId: null,
          fingerprint: `sfp1-${number}`,
          kind: "fix",
          agentId: "eslint-fix",
        });
      }

      it("credits the agent for a merged fix, and promotes it after the policy's number of them", async () => {
        const repo = `octo/merged-${++repos}`;
        const gov = new GovernanceStore(running.app.store.db);
        await openFix(repo, 101);
        await deliver(closed(repo, 101, { merged: true, head: "sentinel/fix-101" }));
        expect(await gov.getTier("github", repo, "eslint-fix")).toMatchObject({ tier: 1, cleanStreak: 1 });
        await openFix(repo, 102);
        await deliver(closed(repo, 102, { merged: true, head: "sentinel/fix-102" }));
        expect(await gov.getTier("github", repo, "eslint-fix")).toMatchObject({
          tier: 2,
          cleanStreak: 0,
          reason: "promoted after 2 clean runs in a row",
        });
        expect((await new RunStore(running.app.store.db).findPullRequestByNumber("github", repo, 101))?.state).toBe(
          "merged",
        );
      });

      it("starts the streak again when a fix is closed without merging", async () => {
        const repo = `octo/closed-${++repos}`;
        const gov = new GovernanceStore(running.app.store.db);
        await openFix(repo, 201);
        await deliver(closed(repo, 201, { merged: true, head: "sentinel/fix-201" }));
        await openFix(repo, 202);
        await deliver(closed(repo, 202, { merged: false, head: "sentinel/fix-202" }));
        expect(await gov.getTier("github", repo, "eslint-fix")).toMatchObject({ tier: 1, cleanStreak: 0 });
      });

      it("demotes the agent one tier when its merged fix is reverted, with the evidence in the ledger", async () => {
        const repo = `octo/revert-${++repos}`;
        const gov = new GovernanceStore(running.app.store.db);
        await openFix(repo, 301, "mode: propose\npolicy:\n  tiers: { start: T2, max: T2 }\n");
        await deliver(closed(repo, 301, { merged: true, head: "sentinel/fix-301" }));
        // GitHub's Revert button: branch revert-<n>-<branch>, body "Reverts owner/repo#<n>".
        await deliver(
          closed(repo, 302, { merged: true, head: "revert-301-sentinel/fix-301", body: `Reverts ${repo}#301` }),
        );
        expect(await gov.getTier("github", repo, "eslint-fix")).toMatchObject({
          tier: 1,
          cleanStreak: 0,
          reason: "fix #301 was reverted by #302",
        });
        const last = (await gov.tierHistory("github", repo)).pop();
        expect(last?.data).toMatchObject({ from: 2, to: 1, cause: "demotion", revertedBy: 302 });
      });

      it("ignores closed pull requests that are not Sentinel's", async () => {
        const repo = `octo/other-${++repos}`;
        fakeGithub({ repo, installationId: INSTALLATION, logs: {} });
        await deliver(closed(repo, 401, { merged: true, head: "feature/x" }));
        expect(await new GovernanceStore(running.app.store.db).listTiers({ repo })).toEqual([]);
      });
    },
  );
}
