import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createClassifier } from "../../../src/sentinel/engine/create-classifier.js";
import { LineLiterals } from "../../../src/sentinel/engine/line-literals.js";
import { LineScanner } from "../../../src/sentinel/engine/line-scanner.js";
import { planMatching } from "../../../src/sentinel/engine/matching-plan.js";
import { ScanWorker } from "../../../src/sentinel/engine/scan-pool.js";
import { loadBuiltinRules } from "../../../src/sentinel/index.js";
import { corpusNames, logFilesUnder, readCorpusLog } from "../../support/log-corpus.js";

const FIXTURES = path.resolve(import.meta.dirname, "../../fixtures");

/**
 * Every real log the tests hold (the public corpus and the tools' recorded outputs), four times
 * over: ~1.7 MB, so that a 1.5 MB chunk is larger than a worker's slot.
 */
function realLogs(): Buffer {
  const logs = [
    ...corpusNames().map((name) => Buffer.from(readCorpusLog(name).text + "\n")),
    ...logFilesUnder(FIXTURES).map((file) => readFileSync(file)),
  ];
  return Buffer.concat([...logs, ...logs, ...logs, ...logs]);
}

/** On one CPU no worker starts (scan-pool.ts): then only the sameness is checked. */
const SEVERAL_CPUS = availableParallelism() >= 2;
if (!SEVERAL_CPUS) console.warn("!!! one CPU: the scan worker does not start, so its use is not checked here.");

interface Handed {
  line: number;
  text: string;
  resumeAt: number;
  resumeState: number;
  /** The line's literals as the classifier reads them: from the worker's walk, or from the resume point. */
  literals: number[];
}

/** What a scanner hands over for `log` written in `chunk`-byte pieces; a handler asks for the next lines after some. */
async function handOver(log: Buffer, chunk: number, workerAfterBytes: number, stopAt = Infinity) {
  const rules = await loadBuiltinRules();
  const plan = planMatching(rules.sentinels);
  const handed: Handed[] = [];
  const literals = new LineLiterals(plan.prefilter);
  let fromWorker = 0;
  const scanner: LineScanner = new LineScanner(
    plan.prefilter,
    { maxBytes: 1 << 30, maxLineBytes: 64 * 1024, workerAfterBytes, awaitWorker: true },
    (bytes, start, end, line) => {
      const text = bytes.toString("utf8", start, end);
      const reports = scanner.resumeReports;
      if (reports) {
        fromWorker++;
        literals.readReports(reports, scanner.reportsAt, scanner.reportsCount, scanner.reportsEscape);
      } else literals.readBytes(bytes, start, end, scanner.resumeAt, scanner.resumeState);
      const found = [...literals.found].sort((a, b) => a - b);
      handed.push({
        line,
        text,
        resumeAt: scanner.resumeAt - start,
        resumeState: scanner.resumeState,
        literals: found,
      });
      // As the classifier does after a finding: the next few lines whatever they hold.
      if (/error/i.test(text)) scanner.forceNext = Math.max(scanner.forceNext, 3);
      if (line >= stopAt) scanner.stop();
    },
  );
  for (let i = 0; i < log.length; i += chunk) scanner.write(log.subarray(i, i + chunk));
  scanner.end();
  return {
    handed,
    fromWorker,
    workerChunks: scanner.workerChunks,
    lines: scanner.linesSeen,
    candidates: scanner.candidateLines,
  };
}

describe("a worker thread walking the log ahead, and reading the literals of the lines it flags", () => {
  const log = realLogs();

  it("hands over exactly the lines, resume points and line numbers the scanner finds alone", async () => {
    const alone = await handOver(log, 64 * 1024, Infinity);
    const ahead = await handOver(log, 64 * 1024, 0);
    expect(ahead.workerChunks).toBeGreaterThan(SEVERAL_CPUS ? 5 : -1);
    expect(alone.workerChunks).toBe(0);
    // Most lines' literals were read by the worker, and they are the ones read here.
    expect(ahead.fromWorker).toBeGreaterThan(SEVERAL_CPUS ? ahead.handed.length / 2 : -1);
    expect(alone.fromWorker).toBe(0);
    expect(ahead.handed.length).toBe(alone.handed.length);
    expect(ahead.handed).toEqual(alone.handed);
    expect([ahead.lines, ahead.candidates]).toEqual([alone.lines, alone.candidates]);
  });

  it("keeps to the order across odd chunk sizes, and walks a chunk larger than its slot itself", async () => {
    const alone = await handOver(log, 3_001, Infinity);
    expect((await handOver(log, 3_001, 0)).handed).toEqual(alone.handed);
    const big = await handOver(log, 1536 * 1024, 0);
    expect(big.handed).toEqual(alone.handed);
    // The second chunk is the log's last ~0.2 MB: it fits a slot.
    expect(big.workerChunks).toBe(SEVERAL_CPUS ? 1 : 0);
  });

  it("stops where a handler stops it, as without a worker", async () => {
    const alone = await handOver(log, 16 * 1024, Infinity, 5_000);
    const ahead = await handOver(log, 16 * 1024, 0, 5_000);
    expect(ahead.workerChunks).toBeGreaterThan(SEVERAL_CPUS ? 0 : -1);
    expect(ahead.handed).toEqual(alone.handed);
    expect(ahead.handed.at(-1)!.line).toBeGreaterThanOrEqual(5_000);
  });

  it("gives the same diagnosis of real logs with the worker as without", async () => {
    const rules = await loadBuiltinRules();
    const diagnose = (workerAfterBytes: number) => {
      const c = createClassifier(rules, { scanWorker: { afterBytes: workerAfterBytes, await: true } });
      for (let i = 0; i < log.length; i += 32 * 1024) c.write(log.subarray(i, i + 32 * 1024));
      return c.end({ exitCode: 1 });
    };
    expect(diagnose(0)).toEqual(diagnose(Infinity));
  });

  it("classifies a hostile log the same with the worker as without: endless lines, cut escapes, bad UTF-8", async () => {
    const rules = await loadBuiltinRules();
    const hostile = Buffer.concat([
      Buffer.from("error: ".repeat(20_000) + "\n"), // a line past maxLineBytes, a literal every 7 bytes
      Buffer.from("\x1b[31m\x1b]8;;".repeat(5_000) + "warning\n"), // escapes cut short, one after another
      Buffer.from([0xff, 0xfe, 0xc3, 0x0a, 0xe2, 0x82]), // invalid UTF-8 across a line end
      Buffer.from("FAIL \r".repeat(3_000) + "\n##[group]Run x\n::error file=a,line=1::b\n"),
      log.subarray(0, 256 * 1024),
    ]);
    const big = Buffer.concat(Array.from({ length: 4 }, () => hostile));
    const diagnose = (afterBytes: number) => {
      const c = createClassifier(rules, { scanWorker: { afterBytes, await: true } });
      for (let i = 0; i < big.length; i += 48 * 1024) c.write(big.subarray(i, i + 48 * 1024));
      return c.end({ exitCode: 1 });
    };
    expect(diagnose(0)).toEqual(diagnose(Infinity));
  });

  it("takes no more chunks once closed, so the scanner walks them itself", async () => {
    const rules = await loadBuiltinRules();
    const worker = ScanWorker.start(planMatching(rules.sentinels).prefilter, 1024);
    // (On one CPU none starts at all.)
    expect(worker === null).toBe(!SEVERAL_CPUS);
    worker?.close();
    expect(worker?.submit(null, Buffer.from("error\n"), 6) ?? null).toBeNull();
  });
});
