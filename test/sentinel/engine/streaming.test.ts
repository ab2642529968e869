import { describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import {
  classifyStream,
  classifyText,
  createClassifier,
  loadBuiltinRules,
  type Diagnosis,
} from "../../../src/sentinel/index.js";
import { LineScanner } from "../../../src/sentinel/engine/line-scanner.js";
import { buildPrefilter } from "../../../src/sentinel/engine/prefilter.js";
import { rulesFromYaml } from "../../support/rules.js";

const rules = rulesFromYaml(`
id: demo
name: Demo
tool: demo
category: test
matchers:
  - id: fail
    pattern: '^FAIL (?<file>\\S+):(?<line>\\d+) (?<message>.*)$'
    confidence: 0.9
  - id: pass
    pattern: '^Tests: \\d+ passed'
    classification: Success
`);

const log = [
  "2024-05-01T12:00:00.0000000Z ##[group]Run npm test",
  "2024-05-01T12:00:00.1000000Z ##[endgroup]",
  ...Array.from({ length: 50 }, (_, i) => `2024-05-01T12:00:01.0000000Z \x1b[32m✓ case ${i} ok\x1b[0m`),
  "2024-05-01T12:00:02.0000000Z FAIL src/a.ts:3 one",
  "2024-05-01T12:00:02.0000000Z   at Object.<anonymous> (src/a.ts:3:1)",
  "2024-05-01T12:00:02.0000000Z FAIL src/é/ü.ts:4 ünïcödé ✗",
  "2024-05-01T12:00:03.0000000Z Tests: 3 passed, 2 failed",
].join("\r\n");

function inChunks(text: string, size: number) {
  const bytes = Buffer.from(text);
  const c = createClassifier(rules);
  for (let i = 0; i < bytes.length; i += size) c.write(bytes.subarray(i, i + size));
  return c.end();
}

describe("streaming", () => {
  it("gives the same diagnosis whatever the chunk size, even one byte at a time", () => {
    const whole = classifyText(log, rules);
    for (const size of [1, 2, 3, 7, 64, 4096]) expect(inChunks(log, size)).toEqual(whole);
  });

  it("numbers log lines from 1, counting lines no rule looked at", () => {
    const d = classifyText(log, rules);
    expect(d.findings.filter((f) => f.ruleId === "demo/fail").map((f) => f.logLine)).toEqual([53, 55]);
    expect(d.stats.lines).toBe(56);
  });

  it("decodes multi-byte characters split across chunks", () => {
    const d = inChunks(log, 1);
    expect(d.findings.find((f) => f.line === 4)).toMatchObject({ file: "src/é/ü.ts", message: "ünïcödé ✗" });
  });

  it("only decodes the lines that contain a literal some rule needs", () => {
    const d = classifyText(log, rules);
    expect(d.stats.candidateLines).toBeLessThan(20);
  });

  it("shows the lines around the first failure as evidence", () => {
    const d = classifyText(log, rules);
    expect(d.evidence?.startLine).toBe(50);
    expect(d.evidence?.lines.slice(0, 5)).toEqual([
      "✓ case 47 ok",
      "✓ case 48 ok",
      "✓ case 49 ok",
      "FAIL src/a.ts:3 one",
      "  at Object.<anonymous> (src/a.ts:3:1)",
    ]);
  });

  it("reads a Node stream", async () => {
    const d = await classifyStream(Readable.from([Buffer.from(log.slice(0, 100)), Buffer.from(log.slice(100))]), rules);
    expect(d.status).toBe("failed");
  });

  it("handles a last line without a trailing newline", () => {
    const d = classifyText("x\nFAIL a.ts:1 last", rules);
    expect(d.findings[0]).toMatchObject({ logLine: 2, message: "last" });
    expect(d.stats.lines).toBe(2);
  });
});

describe("verdicts", () => {
  it("says passed for a green log with success lines", () => {
    const d = classifyText("building\nTests: 12 passed\n", rules);
    expect(d).toMatchObject({ status: "passed", category: "passed", evidence: null, firstErrorLine: null });
  });

  it("says unknown, with the last error-looking lines, when the command failed and no rule knows why", () => {
    const d = createClassifier(rules);
    d.write("step 1\nSomething exploded: fatal condition\nError: could not frobnicate\ncleanup\n");
    const result = d.end({ exitCode: 3 });
    expect(result).toMatchObject({ status: "failed", category: "unknown", exitCode: 3 });
    expect(result.lastErrorLines.map((l) => l.lineNumber)).toEqual([2, 3]);
  });

  it("says unknown when the log looks wrong but nothing matched and no exit code is known", () => {
    const d = classifyText("Exception in thread main\n", rules);
    expect(d.status).toBe("unknown");
    expect(d.category).toBe("unknown");
  });
});

describe("problem matchers between the lines the scanner skips", () => {
  const stylish = (gap: number) =>
    [
      "/repo/src/a.js",
      "  1:7  error  'x' is assigned a value but never used  no-unused-vars",
      ...Array.from({ length: gap }, (_, i) => `building module ${i}`),
      "/repo/src/b.js",
      "  2:1  error  Unexpected var, use let or const instead  no-var",
    ].join("\n");

  it("still finds a multi-line match after many skipped lines, without reading them", async () => {
    const d = classifyText(stylish(500), await loadBuiltinRules());
    expect(d.findings.some((f) => f.file?.endsWith("b.js") && f.line === 2)).toBe(true);
    expect(d.stats.candidateLines).toBeLessThan(20);
  });

  it("finds the same matches whether or not lines were skipped in between", async () => {
    const rules = await loadBuiltinRules();
    const where = (d: Diagnosis) => d.findings.map((f) => `${f.file}:${f.line}`);
    expect(where(classifyText(stylish(500), rules))).toEqual(
      where(classifyText(stylish(500), rules, { everyLine: true })),
    );
  });

  it("reads a later pattern's literal only on the line after one it looked at", () => {
    const pf = buildPrefilter(["error", "--> "], [false, true]);
    const seen: number[] = [];
    const scanner = new LineScanner(pf, { maxBytes: 1 << 20, maxLineBytes: 1024 }, (_b, _s, _e, n) => seen.push(n));
    scanner.write(Buffer.from("noise\n  --> a.rs:1:1\nerror: x\n  --> b.rs:2:2\nnoise\n  --> c.rs:3:3\n"));
    scanner.end();
    expect(seen).toEqual([3, 4]);
  });

  it("reads a rustc error's location line through the problem matcher", async () => {
    const d = classifyText(
      ["error[E0308]: mismatched types", "  --> src/main.rs:2:5"].join("\n"),
      await loadBuiltinRules(),
    );
    expect(d.findings.some((f) => f.file === "src/main.rs" && f.line === 2)).toBe(true);
  });
});
