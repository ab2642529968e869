import { createHmac } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { nock } from "../support/http-mock.js";
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
  pullRequestComment,
  RUSTFMT_OUTPUT,
  TEST_PRIVATE_KEY as privateKey,
} from "../support/github-webhooks.js";

const SECRET = "scenario-secret";
const SLACK_SECRET = "slack-signing-secret-for-tests";
const SLACK_API = "https://slack-api.test";
const INSTALLATION = 6161;
const cleanup: string[] = [];
afterAll(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));

const CRATE = BADLY_FORMATTED_CRATE;

// GitHub Enterprise Server on loopback: git over HTTP from disk, the REST API (/api/v3) from nock.
const forge = await forgeGit();
const API = `${forge.origin}/api/v3`;

/** A repository whose history grows commit by commit, pushed to its bare "remote" on the forge. */
function growingRepo(fullName: string) {
  const made = bareRemote(CRATE, { at: forge.path(fullName) });
  cleanup.push(made.root);
  const src = path.join(made.root, "src");
  return {
    remote: made.remote,
    first: made.sha,
    commit(mainRs: string, message: string): string {
      writeFileSync(path.join(src, "src/main.rs"), mainRs);
      git(src, "commit", "-qam", message);
      git(src, "push", "-q", made.remote, "main");
      return git(src, "rev-parse", "HEAD");
    },
  };
}

for (const stack of serviceStack("embedded")) {
  describe.skipIf(!hasCargoFmt || !stack.available)(
    `trust and approvals over a repository's life, on ${stack.name}`,
    () => {
      const running = runningApp(
        {
          APP_ID: "123",
          PRIVATE_KEY: privateKey,
          WEBHOOK_SECRET: SECRET,
          GHE_HOST: forge.host,
          GHE_PROTOCOL: "http",
          SLACK_SIGNING_SECRET: SLACK_SECRET,
          SLACK_BOT_TOKEN: "xoxb-test-token",
          SLACK_API_URL: `${SLACK_API}/api/`,
          SENTINEL_WORK_DIR: `/tmp/sentinel-scenario-work-${process.pid}-${stack.name.length}`,
        },
        stack,
      );
      let deliveries = 0;

      async function deliver(event: string, payload: unknown) {
        const res = await deliverGithub(
          running.app.port,
          SECRET,
          event,
          payload,
          `scenario-${stack.name}-${++deliveries}`,
        );
        expect(res.status).toBeLessThan(300);
        await running.app.queue.idle(90_000);
      }

      const failedJob = (repo: string, remote: string, sha: string, jobId: number) =>
        failedWorkflowJob({ installation: INSTALLATION, repo, remote, sha, jobId });

      it("starts an agent in shadow, promotes it after clean runs, revokes it on a budget breach with a handoff, and a maintainer's /sentinel resume restores it at T0", async () => {
        const repo = `octo/scenario-${stack.name.length}`;
        const r = growingRepo(repo);
        const c2 = r.commit('fn main(){let y=2;println!("{}",y);}\n', "second");
        const c3 = r.commit('fn main(){let z=3;println!("{}",z);}\n', "third");
        // Not Rust any more: rustfmt cannot format it, so the fixer's step fails.
        const c4 = r.commit("fn main( {\n", "broken");
        const shas = [r.first, c2, c3, c4];
        const gh = fakeGithub({
          repo,
          baseUrl: API,
          installationId: INSTALLATION,
          logs: Object.fromEntries(
            shas.map((_, i) => [String(9101 + i), actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT)]),
          ),
          pulls: Object.fromEntries(shas.map((s) => [s, [{ number: 61, headRepo: repo }]])),
          config:
            "mode: propose\npolicy:\n  tiers: { start: T0, promoteAfter: 2 }\n  cooldown: { perFingerprint: 0 }\n  errorBudget: { maxErrors: 0 }\n",
        });
        nock(forge.origin)
          .persist()
          .get(`/api/v3/repos/${repo}/collaborators/maintainer-mo/permission`)
          .reply(200, { permission: "admin", role_name: "admin", user: { login: "maintainer-mo" } });
        nock(forge.origin)
          .persist()
          .post(/\/issues\/comments\/\d+\/reactions$/)
          .reply(201, { id: 1 });
        const gov = new GovernanceStore(running.app.store.db);
        const runs = new RunStore(running.app.store.db);

        // 1, 2: at T0 the agent only runs in shadow: verified, nothing written.
        await deliver("workflow_job", failedJob(repo, r.remote, r.first, 9101));
        expect(gh.opened).toHaveLength(0);
        expect(await gov.getTier("github", repo, "cargo-fmt")).toMatchObject({
          tier: 0,
          cleanStreak: 1,
          revoked: false,
        });
        await deliver("workflow_job", failedJob(repo, r.remote, c2, 9102));
        expect(gh.opened).toHaveLength(0);
        expect(git(r.remote, "branch", "--list", "sentinel/*")).toBe("");
        expect(await gov.getTier("github", repo, "cargo-fmt")).toMatchObject({ tier: 1, cleanStreak: 0 });

        // 3: promoted to T1, it proposes.
        await deliver("workflow_job", failedJob(repo, r.remote, c3, 9103));
        expect(gh.opened).toHaveLength(1);

        // 4: its fixer fails; the budget (0 errors) is exceeded: revoked, with a handoff.
        await deliver("workflow_job", failedJob(repo, r.remote, c4, 9104));
        expect(gh.opened).toHaveLength(1);
        expect(await gov.getTier("github", repo, "cargo-fmt")).toMatchObject({ revoked: true });
        const { rows } = await running.app.store.db.query<{ handoff: Record<string, unknown> | null; status: string }>(
          "SELECT handoff, status FROM runs WHERE repo = $1 AND sha = $2",
          [repo, c4],
        );
        expect(rows[0]).toMatchObject({
          status: "escalated",
          handoff: {
            blockingIssue: expect.stringContaining("error budget"),
            requiredNextActions: expect.any(Array),
            whatWasTried: expect.any(Array),
          },
        });

        // 5: a maintainer restores it; it starts again at T0.
        const c = pullRequestComment({
          installation: INSTALLATION,
          repo,
          pr: 61,
          body: "/sentinel resume",
          id: 77001,
          login: "maintainer-mo",
        });
        await deliver("issue_comment", c);
        expect(await gov.getTier("github", repo, "cargo-fmt")).toMatchObject({
          tier: 0,
          revoked: false,
          reason: "restored by @maintainer-mo",
        });
        expect([...gh.comments.values()].some((x) => x.body.includes("Restored `cargo-fmt` at T0 observe"))).toBe(true);

        // Every tier change is in the ledger with its evidence, in order.
        const history = (await gov.tierHistory("github", repo)).map((h) => [
          h.data.from,
          h.data.to,
          h.data.cause ?? null,
        ]);
        expect(history).toEqual([
          [null, 0, "first run"],
          [0, 1, "promotion"],
          [1, "revoked", "error budget exceeded"],
          ["revoked", 0, "maintainer"],
        ]);
        expect(
          (await runs.ledger(String((await gov.tierHistory("github", repo))[1]!.data.runId))).map((e) => e.kind),
        ).toContain("shadow");
      }, 180_000);

      it("asks for approval in Slack, refuses a presser the policy does not name, and resumes the run on an approver's press", async () => {
        const repo = `octo/slack-${stack.name.length}`;
        const r = growingRepo(repo);
        const gh = fakeGithub({
          repo,
          baseUrl: API,
          installationId: INSTALLATION,
          logs: { "9201": actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT) },
          pulls: { [r.first]: [{ number: 62, headRepo: repo }] },
          config:
            "mode: propose\npolicy:\n  approval:\n    require: [{ categories: [format] }]\n    approvers: { slackUsers: [U0APPROVER] }\nnotify:\n  slack: { channel: '#ci', routes: { approval-needed: '#ci-approvals' } }\n",
        });
        const posted: Array<Record<string, string>> = [];
        const slack = nock(SLACK_API).persist();
        slack.post("/api/chat.postMessage").reply(200, (_uri, body) => {
          posted.push(
            typeof body === "string" ? Object.fromEntries(new URLSearchParams(body)) : (body as Record<string, string>),
          );
          return { ok: true, channel: "C0APPROVALS", ts: "1700000000.000100" };
        });
        slack.post("/api/chat.update").reply(200, { ok: true, channel: "C0APPROVALS", ts: "1700000000.000100" });
        slack.post("/api/chat.postEphemeral").reply(200, { ok: true, message_ts: "1700000000.000200" });

        await deliver("workflow_job", failedJob(repo, r.remote, r.first, 9201));
        const gov = new GovernanceStore(running.app.store.db);
        const [waiting] = await gov.waitingApprovals("github", repo, 62);
        expect(waiting).toBeDefined();
        const ask = posted.find((p) => p.channel === "#ci-approvals");
        expect(ask?.blocks).toContain("sentinel_approve");
        expect(ask?.blocks).toContain(waiting!.runId);

        const press = async (user: string) => {
          const payload = {
            type: "block_actions",
            user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: "T0" },
            api_app_id: "A0",
            token: "legacy",
            container: {
              type: "message",
              message_ts: "1700000000.000100",
              channel_id: "C0APPROVALS",
              is_ephemeral: false,
            },
            trigger_id: "1.2.3",
            team: { id: "T0", domain: "acme" },
            channel: { id: "C0APPROVALS", name: "ci-approvals" },
            message: {
              type: "message",
              text: "Approval needed",
              ts: "1700000000.000100",
              blocks: JSON.parse(ask!.blocks!),
            },
            response_url: `${SLACK_API}/actions/1`,
            actions: [
              {
                type: "button",
                action_id: "sentinel_approve",
                block_id: "sentinel_decision",
                value: waiting!.runId,
                action_ts: "1700000001.000200",
              },
            ],
          };
          const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
          const ts = Math.floor(Date.now() / 1000);
          const res = await fetch(`http://127.0.0.1:${running.app.port}/api/slack/interactions`, {
            method: "POST",
            headers: {
              "content-type": "application/x-www-form-urlencoded",
              "x-slack-request-timestamp": String(ts),
              "x-slack-signature": `v0=${createHmac("sha256", SLACK_SECRET).update(`v0:${ts}:${body}`).digest("hex")}`,
            },
            body,
          });
          expect(res.status).toBe(200);
          // The press is acknowledged at once; the decision runs after it.
          await new Promise((resolve) => setTimeout(resolve, 300));
          await running.app.queue.idle(90_000);
        };

        await press("U0STRANGER");
        expect((await gov.getApproval(waiting!.runId))?.status).toBe("waiting");
        expect(gh.opened).toHaveLength(0);
        await press("U0APPROVER");
        expect(await gov.getApproval(waiting!.runId)).toMatchObject({
          status: "approved",
          decidedVia: "slack",
          decidedBy: "slack:u0approver",
        });
        expect(gh.opened).toHaveLength(1);
      }, 180_000);
    },
  );
}
