import { describe, expect, it, vi } from "vitest";
import { CandidateMemo } from "../../../src/sentinel/engine/candidate-memo.js";
import {
  candidatesFor,
  dropByStart,
  newCandidates,
  type LineCandidates,
} from "../../../src/sentinel/engine/line-candidates.js";
import { splitLine } from "../../../src/sentinel/engine/clean-line.js";
import { planMatching, type MatchingPlan } from "../../../src/sentinel/engine/matching-plan.js";
import { loadBuiltinRules } from "../../../src/sentinel/index.js";
import { readFileSync } from "node:fs";
import path from "node:path";
import { logFilesUnder } from "../../support/log-corpus.js";

/** What candidatesFor said, as plain data (problem patterns by source, as a set: their order is not used). */
function answer(c: LineCandidates) {
  return {
    regex: [...c.regex],
    problems: c.problemPatterns.map((p) => p.source).sort(),
    errorLooking: c.errorLooking,
    envelope: c.envelope,
    lookBack: c.lookBack,
    problemLiteral: c.problemLiteral,
  };
}

function fresh(plan: MatchingPlan, bytes: Buffer): ReturnType<typeof answer> {
  // A plan of its own: nothing remembered.
  const own = { ...plan, memo: new CandidateMemo() };
  return answer(candidatesFor(own, bytes, 0, bytes.length));
}

describe("candidate lists remembered by a line's set of literals", () => {
  it("are the lists worked out afresh, for every line of the real CI logs and tool outputs", async () => {
    const plan = planMatching((await loadBuiltinRules()).sentinels);
    const out = newCandidates();
    const find = vi.spyOn(plan.memo, "find");
    for (const file of logFilesUnder(path.resolve(import.meta.dirname, "../../fixtures"))) {
      for (const text of readFileSync(file, "utf8").split("\n")) {
        const bytes = Buffer.from(text);
        const got = answer(candidatesFor(plan, bytes, 0, bytes.length, out));
        expect(got, text).toEqual(fresh(plan, bytes));
      }
    }
    // The real logs repeat sets of literals: most lines are answered from the memo.
    const remembered = find.mock.results.filter((r) => r.value !== undefined).length;
    expect(find.mock.results.length).toBeGreaterThan(5_000);
    expect(remembered).toBeGreaterThan(find.mock.results.length / 2);
  });

  it("are handed out uncopied and stay as they were when a line's start drops candidates", async () => {
    const plan = planMatching((await loadBuiltinRules()).sentinels);
    const out = newCandidates();
    let dropped = 0;
    let shared = 0;
    for (const file of logFilesUnder(path.resolve(import.meta.dirname, "../../fixtures"))) {
      for (const raw of readFileSync(file, "utf8").split("\n")) {
        const bytes = Buffer.from(raw);
        const c = candidatesFor(plan, bytes, 0, bytes.length, out);
        const before = answer(c);
        const list = c.regex;
        if (list !== c.own.regex) shared++;
        const text = splitLine(raw).text;
        dropByStart(plan, c, text);
        if (c.regex.length < before.regex.length) dropped++;
        // What dropByStart kept, in order, and the memo's list untouched.
        expect(c.regex, raw).toEqual(before.regex.filter((i) => c.regex.includes(i)));
        expect([...list], raw).toEqual(before.regex);
        expect(answer(candidatesFor(plan, bytes, 0, bytes.length, out)), raw).toEqual(before);
      }
    }
    expect(dropped).toBeGreaterThan(100);
    expect(shared).toBeGreaterThan(1_000);
  });

  it("tell apart two lines whose literals differ by one", async () => {
    const plan = planMatching((await loadBuiltinRules()).sentinels);
    const a = Buffer.from("src/a.c:1:2: error: x");
    const b = Buffer.from("src/a.c:1:2: warning: x");
    candidatesFor(plan, a, 0, a.length);
    expect(answer(candidatesFor(plan, b, 0, b.length))).toEqual(fresh(plan, b));
    expect(answer(candidatesFor(plan, a, 0, a.length))).toEqual(fresh(plan, a));
  });

  it("are not trusted across a colour code: a line with an escape is answered as unsound", async () => {
    const plan = planMatching((await loadBuiltinRules()).sentinels);
    const plain = Buffer.from("error: cannot find module");
    const coloured = Buffer.from("\x1b[31merror\x1b[0m: cannot find module");
    candidatesFor(plan, plain, 0, plain.length);
    expect(answer(candidatesFor(plan, coloured, 0, coloured.length))).toEqual(fresh(plan, coloured));
  });

  it("start over when a log shows more sets than they hold, and answer the same", async () => {
    const plan = planMatching((await loadBuiltinRules()).sentinels);
    const words = ["error", "warning", "fail", "fatal", "panic", "denied", "killed", "timed out", "abort"];
    const more = ["exception", "traceback", "npm ERR!", "FAILED"];
    const out = newCandidates();
    const keep = vi.spyOn(plan.memo, "keep");
    // Every subset of thirteen literals: 8,192 sets, twice the memo's 4,096 entries.
    for (let mask = 0; mask < 1 << 13; mask++) {
      const text = [...words, ...more].filter((_, i) => mask & (1 << i)).join(" ");
      const bytes = Buffer.from(text);
      expect(answer(candidatesFor(plan, bytes, 0, bytes.length, out)), text).toEqual(fresh(plan, bytes));
    }
    expect(keep.mock.calls.length).toBeGreaterThan(4096);
  });
});
