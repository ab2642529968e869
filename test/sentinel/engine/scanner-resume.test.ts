import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LineLiterals } from "../../../src/sentinel/engine/line-literals.js";
import { LineScanner } from "../../../src/sentinel/engine/line-scanner.js";
import { planMatching } from "../../../src/sentinel/engine/matching-plan.js";
import { buildPrefilter } from "../../../src/sentinel/engine/prefilter.js";
import { selectSentinels } from "../../../src/sentinel/engine/select-sentinels.js";
import { loadBuiltinRules } from "../../../src/sentinel/index.js";
import { corpusNames, logFilesUnder, readCorpusLog } from "../../support/log-corpus.js";

const FIXTURES = path.resolve(import.meta.dirname, "../../fixtures");

/**
 * Scans `raw` and checks, on every line handed over, that reading its literals from the scanner's
 * resume point finds exactly what reading the whole line finds. Returns how many lines resumed.
 */
function expectResumeReadsTheSame(pf: ReturnType<typeof buildPrefilter>, raw: Buffer): number {
  const whole = new LineLiterals(pf);
  const resumed = new LineLiterals(pf);
  let skipped = 0;
  const scanner: LineScanner = new LineScanner(pf, { maxBytes: 1 << 30, maxLineBytes: 65536 }, (bytes, start, end) => {
    whole.readBytes(bytes, start, end);
    resumed.readBytes(bytes, start, end, scanner.resumeAt, scanner.resumeState);
    if (scanner.resumeAt > start) skipped++;
    const text = bytes.toString("utf8", start, end);
    expect([...resumed.found].sort(), text).toEqual([...whole.found].sort());
    expect(resumed.sawEscape, text).toBe(whole.sawEscape);
  });
  scanner.write(raw);
  scanner.end();
  return skipped;
}

describe("the scanner's resume point", () => {
  it("reads the same literals as the whole line, on every real log the tests hold", async () => {
    const rules = await loadBuiltinRules();
    const pf = planMatching(selectSentinels(rules.sentinels, {})).prefilter;
    const raws = [...logFilesUnder(path.join(FIXTURES, "tools")), ...logFilesUnder(path.join(FIXTURES, "ci-logs"))].map(
      (f) => readFileSync(f),
    );
    raws.push(...corpusNames().map((n) => Buffer.from(readCorpusLog(n).text, "utf8")));
    let skipped = 0;
    for (const raw of raws) skipped += expectResumeReadsTheSame(pf, raw);
    // Most candidate lines are flagged part-way: their heads are not walked twice.
    expect(skipped).toBeGreaterThan(1000);
  });

  it("starts at the line's head after an escape, a report-only literal or an unused follow-up literal", () => {
    // "warn" reports only (a verify literal); "--> " is a follow-up literal; "error" triggers.
    const pf = buildPrefilter(["error", "warn", "--> "], ["trigger", "verify", "follow"]);
    const starts: Array<[number, number]> = [];
    const scanner: LineScanner = new LineScanner(pf, { maxBytes: 1 << 20, maxLineBytes: 1024 }, (_b, start) =>
      starts.push([start, scanner.resumeAt]),
    );
    const lines = ["x error", "warn error", "\x1b[31mred\x1b[0m error", "noise", "--> error", "--> after"];
    scanner.write(Buffer.from(lines.join("\n") + "\n"));
    scanner.end();
    const offsets = lines.map((_, k) => lines.slice(0, k).join("\n").length + (k > 0 ? 1 : 0));
    expect(starts.map(([s]) => s)).toEqual([0, 1, 2, 4, 5].map((k) => offsets[k]));
    // The flag is the literal's last byte; the line after a handed-over one takes its follow-up literal.
    expect(starts.map(([s, r]) => r - s)).toEqual([6, 0, 0, 0, 3]);
  });
});
