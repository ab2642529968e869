// Child process: classifies a file with the full builtin rule set and prints its figures as JSON.
// Run separately so that its peak RSS is its own.
import { createReadStream } from "node:fs";
import { classifyStream, loadBuiltinRules } from "../dist/sentinel/index.js";

const file = process.argv[2];
const rules = await loadBuiltinRules();
const t = process.hrtime.bigint();
const d = await classifyStream(createReadStream(file, { highWaterMark: 256 * 1024 }), rules);
const seconds = Number(process.hrtime.bigint() - t) / 1e9;
process.stdout.write(
  JSON.stringify({
    seconds,
    bytes: d.stats.bytes,
    lines: d.stats.lines,
    candidateLines: d.stats.candidateLines,
    findings: d.findings.length + d.stats.findingsDropped,
    category: d.category,
    maxRssKb: process.resourceUsage().maxRSS,
  }) + "\n",
);
