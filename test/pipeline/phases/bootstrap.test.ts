import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrap } from "../../../src/pipeline/phases/bootstrap.js";
import { phaseWorld, type PhaseWorld } from "./phase-context.js";

let world: PhaseWorld;
beforeAll(async () => void (world = await phaseWorld()));
afterAll(() => world.close());

describe("BOOTSTRAP", () => {
  it("takes the failure's lease, starts the heartbeat and goes on to PREFLIGHT", async () => {
    const ctx = await world.context();
    await expect(bootstrap(ctx)).resolves.toEqual({ next: "PREFLIGHT" });
    expect(ctx.stopHeartbeat).not.toBeNull();
    ctx.stopHeartbeat?.();
    expect(await ctx.leases.renew(ctx.leaseKey, ctx.runId, 1000)).toBe(true);
  });

  it("stops as locked, at once, when another live run holds the failure's lease", async () => {
    const ctx = await world.context({ req: { failureKey: "local:locked" } });
    await ctx.leases.acquire(ctx.leaseKey, "run_someone_else", 60_000);
    await expect(bootstrap(ctx)).rejects.toMatchObject({
      name: "RunStop",
      status: "locked",
      reason: "another run is fixing this failure in this repository",
    });
    expect(ctx.stopHeartbeat).toBeNull();
  });
});
