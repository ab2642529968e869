import { createHash } from "node:crypto";
import { diffPatch } from "../workspace/index.js";
import type { RunContext } from "./run-context.js";

/** The ledger keeps a model's patch up to this size (the dashboard shows it); larger ones by hash only. */
const LEDGER_PATCH_BYTES = 32 * 1024;
/** The fingerprint cache keeps patches up to this size: a model fix is small, or it is not reused. */
const CACHE_PATCH_BYTES = 64 * 1024;

/**
 * VERIFY passed a model agent's change, within the blast radius: the patch goes in the ledger (so
 * a shadow run's proposal is there to read on the dashboard) and into the fingerprint cache, to be
 * reused at zero tokens the next time this failure comes back. A fork's patch is never cached:
 * text a fork's author controls fed the model that wrote it.
 */
export async function rememberModelPatch(ctx: RunContext): Promise<void> {
  const worker = ctx.chosen?.agent.model;
  const work = ctx.modelWork;
  const d = ctx.diagnosis;
  if (!worker || !work || !ctx.worktree || !d) return;
  const patch = await diffPatch(ctx.worktree, ctx.fixPaths ?? []);
  const bytes = Buffer.byteLength(patch);
  await ctx.deps.runs.record(ctx.runId, "model.patch", {
    model: work.kind === "reused" ? work.original.model : work.accounting.model,
    reusedFrom: work.kind === "reused" ? work.fromRunId : null,
    bytes,
    sha256: createHash("sha256").update(patch).digest("hex"),
    ...(bytes <= LEDGER_PATCH_BYTES ? { patch } : {}),
  });
  if (ctx.req.fromFork || bytes > CACHE_PATCH_BYTES) return;
  await worker.remember({ runId: ctx.runId, fingerprint: d.fingerprint, patch, work });
}
