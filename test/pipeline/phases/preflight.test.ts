import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { preflight } from "../../../src/pipeline/phases/preflight.js";
import { phaseWorld, type PhaseWorld } from "./phase-context.js";

let world: PhaseWorld;
beforeAll(async () => void (world = await phaseWorld()));
afterAll(() => world.close());

describe("PREFLIGHT", () => {
  it("refuses to run any fixer without a sandbox when the policy requires one", async () => {
    const ctx = await world.context({ deps: { sandbox: "none", sandboxPolicy: "required" } });
    await expect(preflight(ctx)).rejects.toMatchObject({ status: "no-sandbox" });
    expect(await world.runs.ledger(ctx.runId)).not.toContainEqual(
      expect.objectContaining({ kind: "workspace.mirror" }),
    );
  });

  it("diagnoses but does not fix a fork's failure when no policy could approve it", async () => {
    const ctx = await world.context({ req: { fromFork: true } });
    await expect(preflight(ctx)).rejects.toMatchObject({ status: "diagnose-only", rule: "policy.forks" });
  });

  it("stops with no agent when none of the enabled agents handles the diagnosis", async () => {
    const ctx = await world.context({ deps: { agents: [] } });
    await expect(preflight(ctx)).rejects.toMatchObject({ status: "no-agent" });
    expect(ctx.worktree?.path).toContain(ctx.runId);
  });
});
