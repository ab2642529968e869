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

  it("reads a failed step's output with the sentinels, and leaves a step that exited 0 unread", async () => {
    const ctx = await world.context();
    const steps = [
      shellStep("quiet", "echo 'error: this line is not read'"),
      shellStep("loud", "echo 'fatal: cannot lock ref'; exit 2", "continue"),
    ];
    withPlan(ctx, scriptedAgent(steps, ["true"]), steps, ["true"]);
    await expect(execute(ctx)).resolves.toEqual({ next: "VERIFY" });
    const commands = (await world.runs.ledger(ctx.runId)).filter((e) => e.kind === "command");
    expect(commands.map((e) => [e.data.step, e.data.diagnosis])).toEqual([
      ["quiet", null],
      ["loud", expect.objectContaining({ status: "failed" })],
    ]);
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
