import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execute } from "../../../src/pipeline/phases/execute.js";
import { phaseWorld, scriptedAgent, shellStep, withPlan, type PhaseWorld } from "./phase-context.js";

let world: PhaseWorld;
beforeAll(async () => void (world = await phaseWorld()));
afterAll(() => world.close());

describe("EXECUTE", () => {
  it("runs every planned step, records each command, and goes on to VERIFY", async () => {
    const ctx = await world.context();
    const steps = [shellStep("one", "true"), shellStep("two", "true")];
    withPlan(ctx, scriptedAgent(steps, ["true"]), steps, ["true"]);
    await expect(execute(ctx)).resolves.toEqual({ next: "VERIFY" });
    const commands = (await world.runs.ledger(ctx.runId)).filter((e) => e.kind === "command");
    expect(commands.map((e) => e.data.step)).toEqual(["one", "two"]);
  });

  it("hands the failure to a human when a step the recipe escalates fails", async () => {
    const ctx = await world.context();
    const steps = [shellStep("stuck", "echo cannot; exit 3", "escalate")];
    withPlan(ctx, scriptedAgent(steps, ["true"]), steps, ["true"]);
    await expect(execute(ctx)).rejects.toMatchObject({
      status: "escalated",
      reason: "step stuck failed and the recipe escalates: cannot",
    });
  });
});
