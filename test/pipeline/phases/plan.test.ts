import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plan } from "../../../src/pipeline/phases/plan.js";
import { phaseWorld, scriptedAgent, shellStep, type PhaseWorld } from "./phase-context.js";

let world: PhaseWorld;
beforeAll(async () => void (world = await phaseWorld()));
afterAll(() => world.close());

describe("PLAN", () => {
  it("records the agent's steps and verify command with the instruction packet, and goes on to EXECUTE", async () => {
    const ctx = await world.context();
    const agent = scriptedAgent([shellStep("fix", "true")], ["sh", "-c", "true"]);
    ctx.chosen = {
      agent,
      confidence: 0.9,
      context: { diagnosis: world.diagnosis, fileExists: () => false, failingCommand: null },
    };
    await expect(plan(ctx)).resolves.toEqual({ next: "EXECUTE" });
    expect(ctx.plan?.verifyCommand).toEqual(["sh", "-c", "true"]);
    expect(await world.runs.getRun(ctx.runId)).toMatchObject({
      agent_id: "scripted",
      packet: expect.objectContaining({ objective: expect.stringContaining("Make `true` pass again") }),
    });
  });

  it("stops when neither the agent nor CI names a command to verify the fix with", async () => {
    const ctx = await world.context({ req: { failingCommand: null } });
    ctx.chosen = {
      agent: scriptedAgent([], null),
      confidence: 0.9,
      context: { diagnosis: world.diagnosis, fileExists: () => false, failingCommand: null },
    };
    await expect(plan(ctx)).rejects.toMatchObject({
      status: "no-agent",
      reason: expect.stringContaining("nothing to verify with"),
    });
  });
});
