// `npm run bench`: builds a large realistic CI log, then measures in one run the engine (full
// builtin rule set) and the naive baseline (every regex on every line) on that same log.
// Options: --mb N (log size, default 200), --baseline-mb N (how much of the log the naive
// baseline reads, default all of it).
import { execFileSync } from "node:child_process";
import { mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { makeLog } from "./make-log.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const mb = arg("--mb", 200);
const baselineMb = arg("--baseline-mb", mb);
mkdirSync(path.join(here, "out"), { recursive: true });
const file = path.join(here, "out", `ci-${mb}mb.log`);

const made = await makeLog(file, mb * 1024 * 1024);
console.log(
  `log: ${file}\n  ${(statSync(file).size / 1e6).toFixed(1)} MB, ${made.lines.toLocaleString()} lines, ${made.failures} failure snippets`,
);

const child = (script, ...args) =>
  JSON.parse(
    execFileSync(process.execPath, [path.join(here, script), ...args], { encoding: "utf8", maxBuffer: 1 << 20 }),
  );
const engine = child("run-engine.mjs", file);
const naive = child("run-naive.mjs", file, String(baselineMb * 1024 * 1024));

const rate = (r) => r.bytes / 1e6 / r.seconds;
console.log(
  `engine:   ${rate(engine).toFixed(1)} MB/s  (${engine.seconds.toFixed(2)} s, ${engine.candidateLines.toLocaleString()} of ${engine.lines.toLocaleString()} lines decoded, ${engine.findings} findings, verdict ${engine.category})  peak RSS ${(engine.maxRssKb / 1024).toFixed(0)} MB`,
);
console.log(
  `naive:    ${rate(naive).toFixed(2)} MB/s  (${naive.seconds.toFixed(2)} s over ${(naive.bytes / 1e6).toFixed(1)} MB, ${naive.patterns} patterns on every line)  peak RSS ${(naive.maxRssKb / 1024).toFixed(0)} MB`,
);
console.log(`ratio:    ${(rate(engine) / rate(naive)).toFixed(1)}x the naive baseline`);
console.log(`targets:  >= 30x baseline, >= 150 MB/s, peak RSS <= 150 MB`);
