import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/index.js";
import { rustCrate } from "../support/git-repos.js";
import { hasCargoFmt } from "../support/toolchains.js";
import { runCli } from "../support/run-cli.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), "sentinel-cli-audit-"));
  dirs.push(root);
  return root;
}

describe.skipIf(!hasCargoFmt)("sentinel audit, after a real fix run", () => {
  it("verifies the chain, exports it as JSON Lines that verify on their own, replays the run, and names a tampered entry", async () => {
    const root = tempRoot();
    const dataDir = path.join(root, "data", "pglite");
    const fixed = await runCli([
      "fix",
      "--repo",
      rustCrate("auditdemo").dir,
      "--command",
      "cargo fmt --all --check",
      "--data-dir",
      dataDir,
      "--format",
      "json",
    ]);
    expect(fixed.code).toBe(0);
    const runId = (JSON.parse(fixed.stdout) as { runId: string }).runId;
    const checkpoint = path.join(root, "checkpoints.jsonl");

    expect((await runCli(["audit", "checkpoint", "--data-dir", dataDir, "--file", checkpoint])).stdout).toMatch(
      /^checkpoint #\d+ [0-9a-f]{64} written/,
    );
    const verified = await runCli(["audit", "verify", "--data-dir", dataDir, "--checkpoint", checkpoint]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(
      /^ledger verified: \d+ entries, head #\d+ [0-9a-f]{64}; 1 of 1 checkpoints matched/,
    );

    const exported = path.join(root, "ledger.jsonl");
    await runCli(["audit", "export", "--data-dir", dataDir, "--out", exported]);
    const lines = readFileSync(exported, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { seq: number; kind: string; hash: string });
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
    expect((await runCli(["audit", "verify", "--file", exported])).code).toBe(0);

    const replay = await runCli(["audit", "replay", runId, "--data-dir", dataDir]);
    expect(replay.code).toBe(0);
    const order = [
      "started for",
      "entered PREFLIGHT",
      "agent cargo-fmt",
      "entered EXECUTE",
      "ran `cargo fmt",
      "entered VERIFY",
      "verify `cargo fmt --all --check`: exit 0",
      "pushed",
      "opened pull request #1",
      "proposed",
    ];
    const positions = order.map((s) => replay.stdout.indexOf(s));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);

    // Someone with the database's owner rights rewrites what a command's exit code was.
    const db = await openDatabase({ dataDir });
    const seq = lines.find((l) => l.kind === "command")!.seq;
    await db.transaction(async (tx) => {
      await tx.query("ALTER TABLE ledger DISABLE TRIGGER USER");
      await tx.query("UPDATE ledger SET data = jsonb_set(data, '{exitCode}', '0') WHERE seq = $1", [seq]);
      await tx.query("UPDATE ledger SET data = jsonb_set(data, '{ms}', '1') WHERE seq = $1", [seq]);
      await tx.query("ALTER TABLE ledger ENABLE TRIGGER USER");
    });
    await db.close();
    const broken = await runCli(["audit", "verify", "--data-dir", dataDir]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`LEDGER BROKEN at entry ${seq}: entry ${seq} (command) was altered`);
  });
});

describe("sentinel audit", () => {
  it("says which line of an export is not an entry", async () => {
    const root = tempRoot();
    const file = path.join(root, "bad.jsonl");
    writeFileSync(file, "{not json\n");
    const r = await runCli(["audit", "verify", "--file", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("bad.jsonl:1: not a ledger entry");
  });

  it("exits 1 when asked to replay a run the ledger does not know", async () => {
    const root = tempRoot();
    const r = await runCli(["audit", "replay", "run_nope", "--data-dir", path.join(root, "pglite")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no run run_nope in the ledger of ${path.join(root, "pglite")}`);
  });
});
