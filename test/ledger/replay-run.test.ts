import { describe, expect, it } from "vitest";
import { replayRun, type LedgerEntry } from "../../src/ledger/index.js";

const entry = (seq: number, kind: string, data: Record<string, unknown>): LedgerEntry => ({
  seq,
  at: new Date(Date.UTC(2026, 11, 7, 10, 0, seq)).toISOString(),
  runId: "run-1",
  kind,
  data,
  prevHash: "0".repeat(64),
  hash: "1".repeat(64),
});

describe("a replayed run", () => {
  it("shows a sh -c command as the script a person typed, and other commands as a shell reads them", () => {
    const steps = replayRun([
      entry(1, "plan", {
        agent: "gofmt",
        confidence: 0.8,
        steps: [{ id: "format", command: ["gofmt", "-w", "--", "bool.go"] }],
        verify: ["sh", "-c", 'test -z "$(gofmt -l .)"'],
      }),
      entry(2, "command", { step: "format", command: ["black", "--exclude", "docs/*.py"], exitCode: 0, ms: 5 }),
    ]);
    expect(steps[0]?.summary).toContain('verify: test -z "$(gofmt -l .)"');
    expect(steps[1]?.summary).toContain("ran `black --exclude 'docs/*.py'`");
  });
});
