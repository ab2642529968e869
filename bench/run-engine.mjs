// Child process: classifies a file with the full builtin rule set and prints its figures as JSON.
// Run separately so that its peak RSS is its own.
import { createReadStream, readFileSync } from "node:fs";
import { classifyStream, FILE_CHUNK_BYTES, loadBuiltinRules } from "../dist/sentinel/index.js";

const file = process.argv[2];
const rules = await loadBuiltinRules();
const t = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
// No CPU budget: the bench reads the whole log even on a busy machine (it reports a stop if any).
// The file is read in the chunks `sentinel classify` reads it in.
const d = await classifyStream(createReadStream(file, { highWaterMark: FILE_CHUNK_BYTES }), rules, {
  cpuBudgetMs: 1e9,
});
const seconds = Number(process.hrtime.bigint() - t) / 1e9;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  JSON.stringify({
    seconds,
    // Wall time suffers from other work on a shared machine; CPU time (user + system) less so.
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    bytes: d.stats.bytes,
    lines: d.stats.lines,
    candidateLines: d.stats.candidateLines,
    findings: d.findings.length + d.stats.findingsDropped,
    category: d.category,
    stopped: d.stats.stopped ?? null,
    maxRssKb: peakRssKb(),
  }) + "\n",
);

/**
 * This process's own peak RSS. getrusage's maxRSS survives exec on Linux, so in a child it starts at
 * its parent's size (the bench's parent holds the log builder); /proc's VmHWM belongs to this image.
 */
function peakRssKb() {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))[1]);
  } catch {
    return process.resourceUsage().maxRSS;
  }
}
