import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verify } from "../../../src/pipeline/phases/verify.js";
import { git } from "../../support/git-repos.js";
import { phaseWorld, scriptedAgent, withPlan, type PhaseWorld } from "./phase-context.js";

let world: PhaseWorld;
beforeAll(async () => void (world = await phaseWorld()));
afterAll(() => world.close());

describe("VERIFY", () => {
  it("refuses the fix when the verify command still fails", async () => {
    const ctx = await world.context();
    const check = ["sh", "-c", "echo 'error: still broken'; exit 1"];
    withPlan(ctx, scriptedAgent([], check), [], check);
    await expect(verify(ctx)).rejects.toMatchObject({
      status: "verify-failed",
      reason: expect.stringContaining("still fails after scripted"),
    });
    expect(ctx.diff).toBeNull();
  });

  it("finds nothing to fix when the command passes but the agent changed nothing", async () => {
    const ctx = await world.context();
    withPlan(ctx, scriptedAgent([], ["true"]), [], ["true"]);
    await expect(verify(ctx)).rejects.toMatchObject({ status: "nothing-to-fix" });
  });

  it("ends a shadow run with the verified change and writes nothing", async () => {
    const ctx = await world.context();
    withPlan(ctx, scriptedAgent([], ["true"]), [], ["true"]);
    ctx.action = "shadow";
    writeFileSync(path.join(world.repo.dir, "README.md"), "hello, fixed\n");
    try {
      await expect(verify(ctx)).rejects.toMatchObject({
        status: "shadow",
        reason: expect.stringContaining("would change 1 file"),
      });
      expect(ctx.diff).toEqual({ files: ["README.md"], linesAdded: 1, linesDeleted: 1 });
    } finally {
      git(world.repo.dir, "reset", "-q", "--hard");
    }
  });
});
