import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { report } from "../../../src/pipeline/phases/report.js";
import { phaseWorld, scriptedAgent, withPlan, type PhaseWorld } from "./phase-context.js";

let world: PhaseWorld;
beforeAll(async () => void (world = await phaseWorld()));
afterAll(() => world.close());

describe("REPORT", () => {
  it("ends a run that pushed onto a pull request's branch with the commit, recorded against that pull request", async () => {
    const ctx = await world.context({ req: { prNumber: 12, pushBranch: "feature" } });
    withPlan(ctx, scriptedAgent([], ["true"]), [], ["true"]);
    ctx.packaged = { kind: "pushed", branch: "feature", commit: "abcdef1234567890" };
    await expect(report(ctx)).resolves.toEqual({
      end: { status: "pushed", reason: "pushed abcdef1 onto feature", branch: "feature", commit: "abcdef1234567890" },
    });
    expect(await world.runs.findPullRequest("local", world.repo.dir, "feature")).toMatchObject({
      number: 12,
      kind: "push",
      runId: ctx.runId,
      agentId: "scripted",
    });
  });

  it("ends a fork's run with the patch it suggested, having pushed nothing", async () => {
    const ctx = await world.context({ req: { fromFork: true, prNumber: 7 } });
    withPlan(ctx, scriptedAgent([], ["true"]), [], ["true"]);
    ctx.packaged = { kind: "suggested" };
    await expect(report(ctx)).resolves.toMatchObject({
      end: { status: "suggested", reason: expect.stringContaining("as a patch on #7") },
    });
  });
});
