import { describe, expect, it } from "vitest";
import { expireApprovals, resolveApproval } from "../../src/commands/index.js";
import { MemoryQueue } from "../../src/queue/index.js";
import { GovernanceStore, openDatabase, RunStore } from "../../src/store/index.js";

async function waitingRun(expiresInMs: number) {
  const db = await openDatabase({});
  const runs = new RunStore(db);
  const gov = new GovernanceStore(db);
  const queue = new MemoryQueue();
  await runs.startRun({
    runId: "run_wait_1",
    runKey: "k",
    forge: "github",
    repo: "octo/app",
    fingerprint: "sfp1-abc",
    failureKey: "github:1:job:1",
  });
  await db.query("UPDATE runs SET status = 'waiting', phase = 'PREFLIGHT' WHERE run_id = 'run_wait_1'");
  await gov.requestApproval({
    runId: "run_wait_1",
    forge: "github",
    repo: "octo/app",
    prNumber: 3,
    failureKey: "github:1:job:1",
    fingerprint: "sfp1-abc",
    rule: "policy.approval.require[0]",
    message: "needs approval",
    expiresAt: new Date(Date.now() + expiresInMs),
  });
  return { db, runs, gov, queue };
}

describe("approvals of waiting runs", () => {
  it("count only the first decision when two people decide at once", async () => {
    const { db, runs, gov, queue } = await waitingRun(60_000);
    const [a, b] = await Promise.all([
      resolveApproval({ gov, runs, queue }, "run_wait_1", "approve", "@ada", "comment"),
      resolveApproval({ gov, runs, queue }, "run_wait_1", "deny", "slack:bob", "slack"),
    ]);
    expect([a.ok, b.ok].filter(Boolean)).toHaveLength(1);
    const loser = a.ok ? b : a;
    expect(loser.message).toMatch(/already/);
    const decisions = (await runs.ledger("run_wait_1")).filter((e) => e.kind.startsWith("approval."));
    expect(decisions).toHaveLength(1);
    await db.close();
  });

  it("queue the approved run to resume under its own id", async () => {
    const { db, runs, gov, queue } = await waitingRun(60_000);
    const added: unknown[] = [];
    const spy = { ...queue, add: async (...args: unknown[]) => void added.push(args) } as unknown as MemoryQueue;
    await resolveApproval({ gov, runs, queue: spy }, "run_wait_1", "approve", "@ada", "comment");
    // Ids only: who approved is read from the approval, not from the job (finding 4).
    expect(added).toEqual([
      [
        "fix",
        { failureKey: "github:1:job:1", resumeRunId: "run_wait_1" },
        { jobId: expect.stringContaining("resume") },
      ],
    ]);
    expect((await runs.getRun("run_wait_1"))?.status).toBe("approved");
    await db.close();
  });

  it("expire after their time, ending the run with the reason, and can no longer be approved", async () => {
    const { db, runs, gov, queue } = await waitingRun(-1000);
    const expired = await expireApprovals({ gov, runs, queue });
    expect(expired.map((a) => a.runId)).toEqual(["run_wait_1"]);
    expect((await runs.getRun("run_wait_1"))?.status).toBe("expired");
    expect((await gov.decisions(["github:1:job:1"])).get("github:1:job:1")).toMatchObject({
      verdict: "denied",
      rule: "policy.approval.expiresAfter",
    });
    const late = await resolveApproval({ gov, runs, queue }, "run_wait_1", "approve", "@ada", "comment");
    expect(late).toMatchObject({ ok: false, message: expect.stringContaining("expired") });
    await db.close();
  });
});
