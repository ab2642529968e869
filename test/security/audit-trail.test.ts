import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { readHead, readLedger, verifyChain, type LedgerEntry } from "../../src/ledger/index.js";
import { forgeGit } from "../support/forge-git.js";
import { actionsLog, fakeGithub } from "../support/github-api.js";
import {
  BADLY_FORMATTED_CRATE,
  deliverGithub,
  failedWorkflowJob,
  RUSTFMT_OUTPUT,
  TEST_PRIVATE_KEY,
} from "../support/github-webhooks.js";
import { runningApp } from "../support/running-app.js";
import { SERVICE_STACKS } from "../support/services.js";
import { hasCargoFmt } from "../support/toolchains.js";

const SECRET = "audit-secret";
const INSTALLATION = 5252;
const forge = await forgeGit();

for (const stack of SERVICE_STACKS) {
  describe.skipIf(!hasCargoFmt || !stack.available)(
    `the audit trail of a failure from delivery to pull request (finding 10), on ${stack.name}`,
    () => {
      const running = runningApp(
        {
          APP_ID: "123",
          PRIVATE_KEY: TEST_PRIVATE_KEY,
          WEBHOOK_SECRET: SECRET,
          GHE_HOST: forge.host,
          GHE_PROTOCOL: "http",
          SENTINEL_WORK_DIR: `/tmp/sentinel-audit-${process.pid}-${stack.name.length}`,
        },
        stack,
      );

      it("records every accepted and refused delivery, the diagnosis with its rule and evidence line, every forge write and the decision, each traceable to its cause", async () => {
        const repo = `octo/audited-${stack.name.length}`;
        const { sha } = forge.repo(repo, BADLY_FORMATTED_CRATE);
        const gh = fakeGithub({
          repo,
          baseUrl: `${forge.origin}/api/v3`,
          installationId: INSTALLATION,
          logs: { "7401": actionsLog("cargo fmt --all --check", RUSTFMT_OUTPUT) },
          pulls: { [sha]: [{ number: 41, headRepo: repo }] },
          config: "mode: propose\n",
        });
        const job = failedWorkflowJob({ installation: INSTALLATION, repo, sha, jobId: 7401 });
        expect((await deliverGithub(running.app.port, SECRET, "workflow_job", job, "audit-accepted-1")).status).toBe(
          200,
        );
        // Two deliveries with a wrong signature: refused, and counted.
        for (const id of ["audit-forged-1", "audit-forged-2"]) {
          const body = JSON.stringify(job);
          const res = await fetch(`http://127.0.0.1:${running.app.port}/api/github/webhooks`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "x-github-event": "workflow_job",
              "x-github-delivery": id,
              "x-hub-signature-256": "sha256=" + createHmac("sha256", "not-the-secret").update(body).digest("hex"),
            },
            body,
          });
          expect(res.status).toBe(401);
        }
        await running.app.queue.idle(90_000);
        await running.app.flush();
        expect(gh.opened).toHaveLength(1);

        const entries: LedgerEntry[] = [];
        for await (const e of readLedger(running.app.store.db)) entries.push(e);
        const of = (kind: string) => entries.filter((e) => e.kind === kind);
        const failureKey = `github:${job.repository.id}:job:7401`;

        expect(of("delivery.accepted").map((e) => e.data.delivery)).toContain("github:audit-accepted-1");
        // The payload itself is not in the ledger: only what identifies the delivery.
        expect(
          Object.keys(of("delivery.accepted").find((e) => e.data.delivery === "github:audit-accepted-1")!.data).sort(),
        ).toEqual(["action", "delivery", "event", "forge", "receivedAt", "repo"]);
        expect(of("delivery.refused")).toContainEqual(
          expect.objectContaining({
            data: expect.objectContaining({
              forge: "github",
              reason: "signature",
              count: 2,
              deliveries: ["audit-forged-1", "audit-forged-2"],
            }),
          }),
        );

        const diagnosis = of("diagnosis").find((e) => e.data.failure === failureKey)!;
        expect(diagnosis.data).toMatchObject({
          category: "format",
          tool: "cargo",
          rule: expect.stringMatching(/\//),
          evidence: { line: expect.any(Number), text: expect.stringContaining("Diff in") },
        });

        // Every write to the forge names what caused it; each leads back to the diagnosis above.
        const writes = of("forge.write").filter((e) => e.data.repo === repo);
        expect(writes.map((e) => e.data.op)).toEqual(expect.arrayContaining(["publishReport", "upsertStickyComment"]));
        for (const w of writes) expect((w.data.cause as { failure?: string }).failure).toBe(failureKey);
        expect(of("decision").find((e) => e.data.failure === failureKey)?.data).toMatchObject({ verdict: "proposed" });
        const run = of("pull-request").find((e) => e.data.number === gh.opened[0]!.number)!;
        expect(of("run.started").find((e) => e.runId === run.runId)?.data.failureKey).toBe(failureKey);

        // And the chain holds together.
        expect(await verifyChain(entries, { head: await readHead(running.app.store.db) })).toMatchObject({ ok: true });
      }, 120_000);
    },
  );
}
