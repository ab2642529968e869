import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { git, localRepo } from "../support/git-repos.js";
import { ADD_FIX, ADD_FIXED, addProject, call, twoTurnFix } from "../support/model-fix.js";
import { entry, fingerprintOf, modelPipeline } from "../support/model-pipeline.js";
import type { ScriptedTurn } from "../support/scripted-llm-server.js";

const bench = modelPipeline();

/** A model that gives up at once: a run that asks it, and stores nothing. */
const givesUp: ScriptedTurn[] = [{ kind: "message", content: "I cannot see the cause." }];

function repository(): { dir: string; sha: string } {
  return localRepo(addProject(), "sentinel-model-memory-");
}

describe("the fingerprint cache of verified model patches", () => {
  it("reuses the verified patch when the same failure comes back, with zero model calls, and says so in the pull request", async () => {
    const repo = repository();
    const first = await bench.run(twoTurnFix(), { repo });
    expect(first.outcome.status).toBe("proposed");
    const second = await bench.run([], { repo });
    expect(bench.server().requests).toHaveLength(0);
    expect(second.outcome).toMatchObject({ status: "proposed", agentId: "llm-patch" });
    expect(git(repo.dir, "show", `${second.outcome.branch}:src/add.js`)).toBe(ADD_FIXED.trimEnd());
    expect(entry(second, "model.cache")).toEqual({ hit: true, fromRun: first.outcome.runId });
    expect(entry(second, "model.usage")).toMatchObject({
      outcome: "reused",
      reusedFrom: first.outcome.runId,
      tokensIn: 0,
      tokensOut: 0,
      cost: 0,
      turns: 0,
    });
    const pr = await bench.store.runs.findPullRequest("local", repo.dir, second.outcome.branch!);
    expect(pr?.body).toContain(
      `**Model-written (reused):** \`scripted-model\` wrote this change for the same failure in run ${first.outcome.runId} (2 turns, 200 tokens in and 40 out, cost 0.16). It still applies and passes, so this run reused it and made no model call (0 tokens).`,
    );
  });

  it("asks the model again when the stored patch no longer applies to the failing commit", async () => {
    const repo = repository();
    const first = await bench.run(twoTurnFix(), { repo });
    // Same failure, but the line the patch changes moved: the stored patch's context is gone.
    writeFileSync(path.join(repo.dir, "src/add.js"), `// adds\n${addProject()["src/add.js"]}`);
    git(repo.dir, "commit", "-qam", "comment");
    const moved = { dir: repo.dir, sha: git(repo.dir, "rev-parse", "HEAD") };
    const second = await bench.run(
      [
        {
          kind: "tool_calls",
          calls: [call.patch(ADD_FIX.replace("@@ -1,3 +1,3 @@", "@@ -2,3 +2,3 @@")), call.check()],
        },
      ],
      { repo: moved },
    );
    expect(fingerprintOf(second)).toBe(fingerprintOf(first));
    expect(entry(second, "model.cache")).toMatchObject({ hit: false, fromRun: first.outcome.runId });
    expect(String(entry(second, "model.cache")?.why)).toMatch(/^it no longer applies/);
    expect(bench.server().requests).toHaveLength(1);
    expect(second.outcome.status).toBe("proposed");
  });
});

describe("the model's daily budgets", () => {
  it("refuse a repository's run past llm.maxRunsPerDay, naming the budget, without asking the model", async () => {
    const repo = repository();
    const first = await bench.run(givesUp, { repo, config: { maxRunsPerDay: 1 } });
    expect(first.outcome.status).toBe("escalated");
    const second = await bench.run(givesUp, { repo, config: { maxRunsPerDay: 1 } });
    expect(bench.server().requests).toHaveLength(0);
    expect(second.outcome).toMatchObject({ status: "policy", rule: "llm.maxRunsPerDay" });
    expect(second.outcome.reason).toBe(
      "the repository's daily budget of model runs is spent (1 of llm.maxRunsPerDay: 1 today, UTC); no model was asked",
    );
  });

  it("refuse an installation's run past SENTINEL_LLM_MAX_RUNS_PER_DAY_PER_INSTALLATION, across its repositories", async () => {
    const settings = { maxRunsPerDayPerInstallation: 1 };
    await bench.run(givesUp, { repo: repository(), settings, installation: "github:77" });
    const other = await bench.run(givesUp, { repo: repository(), settings, installation: "github:77" });
    expect(bench.server().requests).toHaveLength(0);
    expect(other.outcome).toMatchObject({ status: "policy", rule: "SENTINEL_LLM_MAX_RUNS_PER_DAY_PER_INSTALLATION" });
    expect(other.outcome.reason).toContain("the installation's daily budget of model runs is spent (1 of");
    const elsewhere = await bench.run(givesUp, { repo: repository(), settings, installation: "github:78" });
    expect(bench.server().requests).toHaveLength(1);
    expect(elsewhere.outcome.status).toBe("escalated");
  });

  it("count nothing for a reused patch: a cache hit runs whatever the budget", async () => {
    const repo = repository();
    await bench.run(twoTurnFix(), { repo, config: { maxRunsPerDay: 1 } });
    const again = await bench.run([], { repo, config: { maxRunsPerDay: 1 } });
    expect(again.outcome.status).toBe("proposed");
    expect(entry(again, "model.usage")).toMatchObject({ outcome: "reused" });
  });
});
