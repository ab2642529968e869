import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveApproval } from "../../src/commands/index.js";
import { Trust } from "../../src/pipeline/index.js";
import { forgeGit } from "../support/forge-git.js";
import { git, localRepo } from "../support/git-repos.js";
import { actionsLog, fakeGithub } from "../support/github-api.js";
import { deliverGithub, failedWorkflowJob, TEST_PRIVATE_KEY as privateKey } from "../support/github-webhooks.js";
import { addProject, ADD_FIXED, nodeTestOutput, twoTurnFix } from "../support/model-fix.js";
import { runningApp } from "../support/running-app.js";
import { startScriptedLlmServer } from "../support/scripted-llm-server.js";
import { SERVICE_STACKS } from "../support/services.js";

const SECRET = "model-fix-secret";
const INSTALLATION = 5151;
// GitHub Enterprise Server on loopback: git over HTTP from disk, the REST API from nock; the model
// endpoint is the scripted OpenAI-compatible server, also on loopback.
const forge = await forgeGit();
const GHE = { GHE_HOST: forge.host, GHE_PROTOCOL: "http" };
const API = `${forge.origin}/api/v3`;
const llm = await startScriptedLlmServer([]);
const cleanup: string[] = [];
afterAll(async () => {
  await llm.close();
  cleanup.forEach((d) => rmSync(d, { recursive: true, force: true }));
});
let repoCounter = 0;

/** The project on the forge, and what `node --test` really printed for it (the job's log). */
function failingProject(name: string) {
  const repo = `octo/${name}-${++repoCounter}`;
  const files = addProject();
  const { remote, sha } = forge.repo(repo, files);
  const local = localRepo(files, "sentinel-model-gh-");
  cleanup.push(local.dir);
  return { repo, remote, sha, log: actionsLog("node --test", nodeTestOutput(local.dir)) };
}

const CONFIG = "mode: propose\nllm:\n  enabled: true\n";

for (const stack of SERVICE_STACKS) {
  describe.skipIf(!stack.available)(
    `a failing test in a GitHub repository that lets the model fix, on ${stack.name}`,
    () => {
      const work = mkdtempSync(path.join(tmpdir(), "sentinel-model-gh-work-"));
      cleanup.push(work);
      const running = runningApp(
        {
          APP_ID: "123",
          PRIVATE_KEY: privateKey,
          WEBHOOK_SECRET: SECRET,
          ...GHE,
          SENTINEL_WORK_DIR: work,
          SENTINEL_LLM_BASE_URL: llm.baseURL,
          SENTINEL_LLM_API_KEY: "sk-scripted",
          SENTINEL_LLM_MODEL: "scripted-model",
          SENTINEL_LLM_PRICE_IN_PER_1K: "0.5",
          SENTINEL_LLM_PRICE_OUT_PER_1K: "1.5",
        },
        stack,
      );

      async function failJob(repo: string, sha: string, jobId: number, delivery: string) {
        const job = failedWorkflowJob({ installation: INSTALLATION, repo, sha, jobId, name: "test" });
        expect((await deliverGithub(running.app.port, SECRET, "workflow_job", job, delivery)).status).toBe(200);
        await running.app.queue.idle(120_000);
      }

      it("is fixed by the model in 2 turns, from a signed webhook to a verified pull request saying a model wrote it", async () => {
        const p = failingProject("adder");
        const gh = fakeGithub({
          repo: p.repo,
          baseUrl: API,
          installationId: INSTALLATION,
          logs: { "8101": p.log },
          config: `${CONFIG}policy:\n  approval:\n    modelWritten: false\n`,
        });
        // A maintainer promoted the model agent to T1 here (it starts at T0, shadow only).
        await new Trust(running.app.store.gov).set("github", p.repo, "llm-patch", 1, "a maintainer");
        const before = llm.requests.length;
        llm.script(twoTurnFix());
        await failJob(p.repo, p.sha, 8101, `model-gh-${stack.name}-1`);

        expect(llm.requests.length - before).toBe(2);
        expect(gh.opened).toHaveLength(1);
        const pr = gh.opened[0]!;
        expect(pr.title).toBe("Fix the node-test failure in src/add.js with llm-patch (scripted-model)");
        expect(pr.body).toContain("**Model-written:** a language model, `scripted-model` (Sentinel's llm-patch agent)");
        expect(pr.body).toContain("2 turns, 200 tokens in and 40 out, cost 0.16");
        expect(git(p.remote, "show", `${pr.head}:src/add.js`)).toBe(ADD_FIXED.trimEnd());
        expect(git(p.remote, "diff", "--name-only", `${p.sha}..${pr.head}`)).toBe("src/add.js");
        // /metrics counts the model's work per repository and model.
        const metrics = await (await fetch(`http://127.0.0.1:${running.app.port}/metrics`)).text();
        const labels = `forge="github",repo="${p.repo}",model="scripted-model"`;
        expect(metrics).toContain(`sentinel_model_runs_total{${labels},outcome="fixed"} 1`);
        expect(metrics).toContain(`sentinel_model_tokens_total{${labels},direction="in"} 200`);
        expect(metrics).toContain(`sentinel_model_tokens_total{${labels},direction="out"} 40`);
        expect(metrics).toContain(`sentinel_model_cost_total{${labels}} 0.16`);
        expect(metrics).toContain(`sentinel_model_turns_total{${labels}} 2`);
        expect(metrics).toContain(`sentinel_model_run_seconds_count{${labels}} 1`);
      }, 180_000);

      it("only shadows by default: the model's fix is verified and recorded, and nothing is pushed", async () => {
        const p = failingProject("shadow");
        const gh = fakeGithub({
          repo: p.repo,
          baseUrl: API,
          installationId: INSTALLATION,
          logs: { "8102": p.log },
          config: CONFIG,
        });
        llm.script(twoTurnFix());
        await failJob(p.repo, p.sha, 8102, `model-gh-${stack.name}-2`);
        expect(gh.opened).toHaveLength(0);
        expect(git(p.remote, "branch", "--list", "sentinel/*")).toBe("");
        const runs = await running.app.store.db.query<{ run_id: string; status: string; agent_id: string }>(
          "SELECT run_id, status, agent_id FROM runs WHERE repo = $1",
          [p.repo],
        );
        expect(runs.rows).toEqual([expect.objectContaining({ status: "shadow", agent_id: "llm-patch" })]);
        const ledger = await running.app.store.runs.ledger(runs.rows[0]!.run_id);
        expect(ledger.find((e) => e.kind === "model.patch")?.data.patch).toContain("+  return a + b;");
      }, 180_000);

      it("waits for a human approval once promoted, under the default policy, then proposes the verified patch at zero tokens", async () => {
        const p = failingProject("approval");
        const gh = fakeGithub({
          repo: p.repo,
          baseUrl: API,
          installationId: INSTALLATION,
          logs: { "8103": p.log },
          config: CONFIG,
        });
        await new Trust(running.app.store.gov).set("github", p.repo, "llm-patch", 1, "a maintainer");
        llm.script(twoTurnFix());
        await failJob(p.repo, p.sha, 8103, `model-gh-${stack.name}-3`);
        expect(gh.opened).toHaveLength(0);
        const { rows } = await running.app.store.db.query<{ run_id: string; status: string }>(
          "SELECT run_id, status FROM runs WHERE repo = $1",
          [p.repo],
        );
        expect(rows).toEqual([expect.objectContaining({ status: "waiting" })]);
        expect(await running.app.store.gov.getApproval(rows[0]!.run_id)).toMatchObject({
          status: "waiting",
          rule: "policy.approval.modelWritten",
        });
        const ledger = await running.app.store.runs.ledger(rows[0]!.run_id);
        expect(ledger.find((e) => e.kind === "model.patch")?.data.patch).toContain("+  return a + b;");

        // Approved: the run resumes, applies its own verified patch again (no model call) and proposes it.
        const before = llm.requests.length;
        const { store, queue } = running.app;
        const approved = await resolveApproval(
          { gov: store.gov, runs: store.runs, queue },
          rows[0]!.run_id,
          "approve",
          "a maintainer",
          "cli",
        );
        expect(approved.ok).toBe(true);
        await queue.idle(120_000);
        expect(llm.requests.length).toBe(before);
        expect(gh.opened).toHaveLength(1);
        expect(gh.opened[0]!.body).toContain(
          "wrote this change before it was approved (2 turns, 200 tokens in and 40 out, cost 0.16). After the approval Sentinel applied the same patch and verified it again, with no further model call.",
        );
        expect(git(p.remote, "show", `${gh.opened[0]!.head}:src/add.js`)).toBe(ADD_FIXED.trimEnd());
      }, 240_000);
    },
  );
}
