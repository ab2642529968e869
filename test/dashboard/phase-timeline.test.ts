import { describe, expect, it } from "vitest";
import { daySeries, windowStart } from "../../src/dashboard/category-chart.js";
import type { LedgerEntry } from "../../src/dashboard/dashboard-queries.js";
import { formatDuration, phaseTimeline } from "../../src/dashboard/phase-timeline.js";

const T0 = Date.parse("2026-11-22T10:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000);
let seq = 0;
const entry = (kind: string, s: number, data: Record<string, unknown> = {}): LedgerEntry => ({
  seq: String(++seq),
  runId: "r",
  kind,
  data,
  at: at(s),
});

describe("a run's phase timeline", () => {
  it("measures each phase from its ledger entry to the next, the last up to run.finished", () => {
    const ledger = [
      entry("run.started", 0),
      entry("phase.PREFLIGHT", 2),
      entry("policy.decision", 3, { verdict: "allow" }),
      entry("phase.EXECUTE", 10),
      entry("command", 40, { step: "fmt" }),
      entry("phase.VERIFY", 70),
      entry("run.finished", 100),
    ];
    const segs = phaseTimeline({ startedAt: at(0), finishedAt: at(101), status: "succeeded" }, ledger, at(500));
    expect(segs.map((s) => [s.label, s.ms / 1000])).toEqual([
      ["BOOTSTRAP", 2],
      ["PREFLIGHT", 8],
      ["EXECUTE", 60],
      ["VERIFY", 30],
    ]);
    expect(segs[1]!.entries.map((e) => e.kind)).toEqual(["phase.PREFLIGHT", "policy.decision"]);
    expect(segs[2]!.entries.map((e) => e.kind)).toEqual(["phase.EXECUTE", "command"]);
    expect(segs[3]!.entries.map((e) => e.kind)).toEqual(["phase.VERIFY", "run.finished"]);
    expect(segs.every((s) => s.endedAt !== null)).toBe(true);
  });

  it("leaves a running run's current phase open, measured up to now", () => {
    const segs = phaseTimeline(
      { startedAt: at(0), finishedAt: null, status: "running" },
      [entry("phase.EXECUTE", 5)],
      at(65),
    );
    expect(segs[1]).toMatchObject({ label: "EXECUTE", endedAt: null, ms: 60_000 });
  });

  it("shows a wait for approval and the resumption as their own stretches", () => {
    const ledger = [
      entry("phase.PREFLIGHT", 1),
      entry("run.waiting", 2, { rule: "approval" }),
      entry("run.resumed", 3602),
      entry("phase.PREFLIGHT", 3603),
      entry("run.finished", 3610),
    ];
    const segs = phaseTimeline({ startedAt: at(0), finishedAt: at(3610), status: "succeeded" }, ledger, at(9999));
    expect(segs.map((s) => [s.label, s.ms / 1000])).toEqual([
      ["BOOTSTRAP", 1],
      ["PREFLIGHT", 1],
      ["waiting for approval", 3600],
      ["resumed", 1],
      ["PREFLIGHT", 7],
    ]);
  });

  it("ends an abandoned run at its finish time when no run.finished entry exists", () => {
    const segs = phaseTimeline(
      { startedAt: at(0), finishedAt: at(30), status: "abandoned" },
      [entry("phase.EXECUTE", 10)],
      at(9999),
    );
    expect(segs[1]).toMatchObject({ label: "EXECUTE", ms: 20_000 });
  });

  it("formats durations for people", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(4200)).toBe("4.2 s");
    expect(formatDuration(185_000)).toBe("3 min 05 s");
    expect(formatDuration(7_800_000)).toBe("2 h 10 min");
    expect(formatDuration(Number.NaN)).toBe("?");
  });
});

describe("the failures-by-category series", () => {
  it("covers every day of the window, oldest first, zero days included", () => {
    const now = new Date("2026-11-22T23:59:00Z");
    expect(windowStart(14, now).toISOString()).toBe("2026-11-09T00:00:00.000Z");
    const s = daySeries(
      [
        { day: "2026-11-09", category: "lint", count: 2 },
        { day: "2026-11-22", category: "test", count: 3 },
        { day: "2026-11-22", category: "lint", count: 1 },
        { day: "2026-11-01", category: "lint", count: 99 },
        { day: "2026-11-20", category: "weird", count: 1 },
      ],
      14,
      now,
    );
    expect(s.days).toHaveLength(14);
    expect(s.days[0]).toBe("2026-11-09");
    expect(s.days[13]).toBe("2026-11-22");
    expect(s.categories).toEqual(["test", "lint", "weird"]);
    expect(s.counts.get("2026-11-22")?.get("test")).toBe(3);
    expect(s.counts.get("2026-11-15")?.size).toBe(0);
    expect(s.max).toBe(4);
  });
});
