import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finishRun, stopRun } from "../../../src/pipeline/finish-run.js";
import { parkRun } from "../../../src/pipeline/park-run.js";
import { RunStop } from "../../../src/pipeline/run-stop.js";
import { phaseWorld, type PhaseWorld } from "./phase-context.js";

let world: PhaseWorld;
beforeAll(async () => void (world = await phaseWorld()));
afterAll(() => world.close());

describe("finishing and parking a run", () => {
  it("records a proposed run as succeeded, at EXIT, with its outcome and time per phase", async () => {
    const ctx = await world.context();
    const out = await finishRun(ctx, {
      runId: ctx.runId,
      status: "proposed",
      reason: "opened pull request #1",
      phaseMs: ctx.clock.phaseMs,
    });
    expect(out.phaseMs.BOOTSTRAP).toBeGreaterThanOrEqual(0);
    expect(await world.runs.getRun(ctx.runId)).toMatchObject({
      status: "succeeded",
      phase: "EXIT",
      outcome: expect.objectContaining({ status: "proposed", reason: "opened pull request #1" }),
    });
    expect(await world.runs.ledger(ctx.runId)).toContainEqual({
      kind: "run.finished",
      data: { status: "proposed", reason: "opened pull request #1" },
    });
  });

  it("parks a run that needs approval as waiting in PREFLIGHT, not finished", async () => {
    const ctx = await world.context();
    await parkRun(ctx, {
      runId: ctx.runId,
      status: "waiting-approval",
      reason: "a maintainer approves first",
      rule: "policy.approval",
      phaseMs: ctx.clock.phaseMs,
    });
    expect(await world.runs.getRun(ctx.runId)).toMatchObject({
      status: "waiting",
      phase: "PREFLIGHT",
      finished_at: null,
    });
    expect(await world.runs.ledger(ctx.runId)).toContainEqual({
      kind: "run.waiting",
      data: { rule: "policy.approval", reason: "a maintainer approves first" },
    });
  });

  it("ends a stopped run with the stop's status and rule, and what the run had chosen", async () => {
    const ctx = await world.context();
    const out = await stopRun(ctx, new RunStop("policy", "frozen", "policy.freeze"));
    expect(out).toMatchObject({
      runId: ctx.runId,
      status: "policy",
      reason: "frozen",
      rule: "policy.freeze",
      action: "propose",
    });
    expect(await world.runs.getRun(ctx.runId)).toMatchObject({ status: "policy", phase: "EXIT" });
  });
});
