import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Trust } from "../../src/pipeline/index.js";
import { forgeGit } from "../support/forge-git.js";
import { git, localRepo } from "../support/git-repos.js";
import { fakeGitlab, gitlabTrace } from "../support/gitlab-api.js";
import { addProject, ADD_FIXED, nodeTestOutput, twoTurnFix } from "../support/model-fix.js";
import { runningApp } from "../support/running-app.js";
import { startScriptedLlmServer } from "../support/scripted-llm-server.js";
import { serviceStack } from "../support/services.js";

const SECRET = "gitlab-model-secret";
// Self-managed GitLab on loopback: git over HTTP from disk, the REST API from nock; the model
// endpoint is the scripted OpenAI-compatible server.
const forge = await forgeGit();
const GITLAB = forge.origin;
const llm = await startScriptedLlmServer([]);
const cleanup: string[] = [];
afterAll(async () => {
  await llm.close();
  cleanup.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

/** The project's CI configuration at the failing commit: the job's script names the failing command. */
const CI_CONFIG = "test:\n  image: node:20\n  script:\n    - node --test\n";
const CONFIG = "mode: propose\nllm:\n  enabled: true\npolicy:\n  approval:\n    modelWritten: false\n";

/** GitLab's documented Job hook, as the failure of this commit's job. */
function failedJobHook(sha: string, project: string): Record<string, unknown> {
  const job = JSON.parse(
    readFileSync(path.resolve(import.meta.dirname, "../fixtures/gitlab-hooks/job-event.json"), "utf8"),
  ) as Record<string, unknown> & { project: Record<string, unknown> };
  job.project.path_with_namespace = project;
  return Object.assign(job, { build_status: "failed", sha, ref: "main", build_name: "test" });
}

for (const stack of serviceStack("embedded")) {
  describe.skipIf(!stack.available)(
    `a failing test in a GitLab project that lets the model fix, on ${stack.name}`,
    () => {
      const work = mkdtempSync(path.join(tmpdir(), "sentinel-model-gl-work-"));
      cleanup.push(work);
      const running = runningApp(
        {
          GITLAB_WEBHOOK_SECRET: SECRET,
          GITLAB_TOKEN: "glpat-test-token",
          GITLAB_URL: GITLAB,
          SENTINEL_WORK_DIR: work,
          SENTINEL_LLM_BASE_URL: llm.baseURL,
          SENTINEL_LLM_MODEL: "scripted-model",
          SENTINEL_LLM_PRICE_IN_PER_1K: "0.5",
          SENTINEL_LLM_PRICE_OUT_PER_1K: "1.5",
        },
        stack,
      );

      it("is fixed by the model in 2 turns, from a webhook to a verified merge request saying a model wrote it", async () => {
        const name = `gitlab-org/model-adder-${stack.name.length}`;
        const files = { ...addProject(), ".gitlab-ci.yml": CI_CONFIG };
        const { remote, sha } = forge.repo(name, files);
        const local = localRepo(files, "sentinel-model-gl-");
        cleanup.push(local.dir);
        const gl = fakeGitlab({
          baseUrl: GITLAB,
          projectId: 380,
          path: name,
          traces: { "1977": gitlabTrace("node --test", nodeTestOutput(local.dir)) },
          config: CONFIG,
          filesAt: { [sha]: { ".gitlab-ci.yml": CI_CONFIG, ".gitlab/sentinel.yml": CONFIG } },
        });
        await new Trust(running.app.store.gov).set("gitlab", name, "llm-patch", 1, "a maintainer");
        const before = llm.requests.length;
        llm.script(twoTurnFix());
        await fetch(`http://127.0.0.1:${running.app.port}/api/gitlab/webhook`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-gitlab-event": "Job Hook",
            "x-gitlab-token": SECRET,
            "idempotency-key": `gl-model-${stack.name}`,
          },
          body: JSON.stringify(failedJobHook(sha, name)),
        });
        await running.app.queue.idle(120_000);

        expect(llm.requests.length - before).toBe(2);
        expect(gl.mergeRequestsOpened).toHaveLength(1);
        const mr = gl.mergeRequestsOpened[0]!;
        expect(mr.title).toBe("Fix the node-test failure in src/add.js with llm-patch (scripted-model)");
        expect(mr.description).toContain(
          "**Model-written:** a language model, `scripted-model` (Sentinel's llm-patch agent)",
        );
        expect(git(remote, "show", `${mr.source_branch}:src/add.js`)).toBe(ADD_FIXED.trimEnd());
        expect(git(remote, "diff", "--name-only", `${sha}..${mr.source_branch}`)).toBe("src/add.js");
      }, 180_000);
    },
  );
}
