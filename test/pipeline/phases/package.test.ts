import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageFix } from "../../../src/pipeline/phases/package.js";
import { phaseWorld, scriptedAgent, withPlan, type PhaseWorld } from "./phase-context.js";

let world: PhaseWorld;
beforeAll(async () => void (world = await phaseWorld()));
afterAll(() => world.close());

const verified = { files: ["README.md"], linesAdded: 1, linesDeleted: 1 };

describe("PACKAGE", () => {
  it("writes nothing when the run no longer holds its lease", async () => {
    const ctx = await world.context();
    withPlan(ctx, scriptedAgent([], ["true"]), [], ["true"]);
    ctx.diff = verified;
    await expect(packageFix(ctx)).rejects.toMatchObject({
      status: "locked",
      reason: expect.stringContaining("lost its lease"),
    });
    expect(await world.runs.ledger(ctx.runId)).not.toContainEqual(expect.objectContaining({ kind: "pushing" }));
  });

  it("posts a fork's fix only on its pull request, and stops when there is none", async () => {
    const ctx = await world.context({ req: { fromFork: true, prNumber: null } });
    withPlan(ctx, scriptedAgent([], ["true"]), [], ["true"]);
    ctx.diff = verified;
    await expect(packageFix(ctx)).rejects.toMatchObject({ status: "policy", rule: "policy.forks" });
  });
});
