import { mkdtempSync, createReadStream, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// The benchmark's own log generator: passing noise from many tools with real failures sprinkled in.
import { makeLog } from "../../bench/make-log.mjs";
import { classifyStream, loadBuiltinRules } from "../../src/sentinel/index.js";

const dir = mkdtempSync(path.join(tmpdir(), "sentinel-selectivity-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the prefilter with the builtin sentinels", () => {
  // Speed comes from not decoding lines; this guards the reason, not a timing.
  it("decodes fewer than 1% of the lines of a mostly passing CI log", async () => {
    const file = path.join(dir, "ci.log");
    const made = await makeLog(file, 3 * 1024 * 1024);
    const d = await classifyStream(createReadStream(file), await loadBuiltinRules());
    expect(d.stats.lines).toBe(made.lines);
    expect(d.stats.candidateLines / d.stats.lines).toBeLessThan(0.01);
  });
});
