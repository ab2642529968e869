import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Trust } from "../../src/pipeline/index.js";
import { DEFAULT_POLICY } from "../../src/policy/index.js";
import { GovernanceStore, openDatabase } from "../../src/store/index.js";
import { runCli } from "../support/run-cli.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("sentinel tiers", () => {
  it("lists each agent's tier per repository, and with --history every change and why", async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), "sentinel-tiers-")), "pglite");
    dirs.push(path.dirname(dataDir));
    const db = await openDatabase({ dataDir });
    const trust = new Trust(new GovernanceStore(db));
    await trust.recordClean("github", "octo/app", "eslint-fix", DEFAULT_POLICY, { runId: "run_a" });
    await trust.set("github", "octo/app", "prettier-write", 2, "@mona");
    await db.close();

    const listed = await runCli(["tiers", "--data-dir", dataDir]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/github:octo\/app\s+eslint-fix\s+T1 propose\s+1/);
    expect(listed.stdout).toMatch(/github:octo\/app\s+prettier-write\s+T2 push\s+0\s+set by @mona/);

    const history = await runCli(["tiers", "--data-dir", dataDir, "--history", "--format", "json"]);
    const parsed = JSON.parse(history.stdout) as {
      tiers: unknown[];
      history: Array<{ changes: Array<{ data: Record<string, unknown> }> }>;
    };
    expect(parsed.tiers).toHaveLength(2);
    expect(parsed.history[0]!.changes.map((c) => [c.data.agent, c.data.to, c.data.cause])).toEqual([
      ["eslint-fix", 1, "first run"],
      ["prettier-write", 2, "maintainer"],
    ]);
  });

  it("says so when no agent has a tier yet", async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), "sentinel-tiers-")), "pglite");
    dirs.push(path.dirname(dataDir));
    const r = await runCli(["tiers", "--data-dir", dataDir]);
    expect(r.stdout).toContain("no agent has a tier yet");
  });
});
