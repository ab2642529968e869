// `npm run bench`: builds a log from real CI log lines (bench/make-log.mjs), then measures in one
// run the engine with the full builtin rule set and, as the anchor, ripgrep with the builtins'
// patterns (`rg -f`) on that same log. The ratio engine/rg is the stable figure on a shared machine.
// Options: --mb N (log size, default 100), --naive-mb N (also run the naive baseline, every regex
// on every line, over the first N MB; default 0, skipped: it reads well under 1 MB/s).
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, fsyncSync, mkdirSync, openSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadBuiltinRules } from "../dist/sentinel/index.js";
import { makeLog } from "./make-log.mjs";
import { ripgrepPatterns, rgAccepts, toRipgrep, WHY } from "./rg-patterns.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const mb = arg("--mb", 100);
const naiveMb = arg("--naive-mb", 0);
mkdirSync(path.join(here, "out"), { recursive: true });
const file = path.join(here, "out", `ci-${mb}mb.log`);

const made = await makeLog(file, mb * 1024 * 1024);
// The log's pages written back to disk before anything is timed: otherwise the first run (the
// engine's) shares the machine with the kernel writing 100 MB out, and rg's runs after it do not.
const fd = openSync(file, "r");
fsyncSync(fd);
closeSync(fd);
console.log(
  `log: ${file}\n  ${(statSync(file).size / 1e6).toFixed(1)} MB, ${made.lines.toLocaleString()} lines: ` +
    `the passing parts of ${made.noiseSources} real logs (${made.noiseLines.toLocaleString()} distinct lines), ${made.failures} real failures spliced in`,
);

const child = (script, ...args) =>
  JSON.parse(
    execFileSync(process.execPath, [path.join(here, script), ...args], { encoding: "utf8", maxBuffer: 1 << 20 }),
  );
const rate = (r) => r.bytes / 1e6 / r.seconds;

const rules = await loadBuiltinRules();
const rg = ripgrepPatterns(rules);
const patternsFile = path.join(here, "out", "rg-patterns.txt");
writeFileSync(patternsFile, rg.patterns.join("\n") + "\n");
// bash's `times` gives rg's CPU time (user + system), the figure least moved by other load.
const rgOnce = () => {
  const t = process.hrtime.bigint();
  const out = execFileSync("bash", ["-c", 'rg --count --no-config -f "$1" "$2"; times', "_", patternsFile, file], {
    encoding: "utf8",
  });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  const [count, , children] = out.trim().split("\n");
  const cpuSeconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
    (a, m) => a + Number(m[1]) * 60 + Number(m[2]),
    0,
  );
  return { bytes: statSync(file).size, seconds, cpuSeconds, count: Number(count) };
};
// Three rounds, the engine and then rg in each, so that both sides meet the same spells of load
// on a shared machine; each side's best run is its figure (its least disturbed), and each round's
// own ratio is printed too. The peak RSS is the largest of the engine's runs.
const rounds = [0, 1, 2].map(() => ({ engine: child("run-engine.mjs", file), rg: rgOnce() }));
const engineRuns = rounds.map((r) => r.engine);
const rgRuns = rounds.map((r) => r.rg);
const engine = {
  ...engineRuns.reduce((a, b) => (b.seconds < a.seconds ? b : a)),
  maxRssKb: Math.max(...engineRuns.map((r) => r.maxRssKb)),
};
const rgRun = rgRuns.reduce((a, b) => (b.seconds < a.seconds ? b : a));
// What the anchor leaves out and why; a catch-all's share of the log's lines is the evidence.
const share = (p) => {
  const src = toRipgrep(p);
  if (!rgAccepts(src)) return "rg refuses it";
  // (rg exits 1 when nothing matches.)
  const r = spawnSync("rg", ["--count", "--no-config", "-e", src, file], { encoding: "utf8" });
  const n = Number(r.stdout.trim() || 0);
  return `matches ${((100 * n) / made.lines).toFixed(1)}% of lines`;
};
const byWhy = {};
for (const e of rg.excluded) (byWhy[e.why] ??= []).push(e);
const cpuRate = (r) => r.bytes / 1e6 / r.cpuSeconds;

console.log(
  `engine:   ${rate(engine).toFixed(1)} MB/s  (${engine.seconds.toFixed(2)} s, best of 3: ${engineRuns.map((r) => r.seconds.toFixed(2)).join(", ")} s; CPU ${cpuRate(engine).toFixed(1)} MB/s; ${engine.candidateLines.toLocaleString()} of ${engine.lines.toLocaleString()} lines decoded = ${((100 * engine.candidateLines) / engine.lines).toFixed(2)}%; ${engine.findings} findings, verdict ${engine.category})  peak RSS ${(engine.maxRssKb / 1024).toFixed(0)} MB`,
);
console.log(
  `ripgrep:  ${rate(rgRun).toFixed(1)} MB/s  (${rgRun.seconds.toFixed(2)} s, best of 3: ${rgRuns.map((r) => r.seconds.toFixed(2)).join(", ")} s; CPU ${cpuRate(rgRun).toFixed(1)} MB/s; rg -f with ${rg.patterns.length} builtin patterns a candidate line must match, ${rg.refused} it could not take; ${rgRun.count.toLocaleString()} matching lines)`,
);
for (const [why, list] of Object.entries(byWhy)) {
  console.log(`  left out ${list.length}: ${WHY[why]}`);
  if (why === "no-literal")
    for (const e of list) console.log(`    ${e.owner}: ${JSON.stringify(e.pattern.source)} ${share(e.pattern)}`);
}
console.log(
  `ratio:    ${(rate(engine) / rate(rgRun)).toFixed(2)}x ripgrep (wall), ${(cpuRate(engine) / cpuRate(rgRun)).toFixed(2)}x (CPU); ` +
    `round by round (wall): ${rounds.map((r) => (r.rg.seconds / r.engine.seconds).toFixed(2)).join(", ")}`,
);
if (naiveMb > 0) {
  const naive = child("run-naive.mjs", file, String(naiveMb * 1024 * 1024));
  console.log(
    `naive:    ${rate(naive).toFixed(2)} MB/s  (${naive.seconds.toFixed(2)} s over ${(naive.bytes / 1e6).toFixed(1)} MB, ${naive.patterns} patterns on every line)  engine is ${(rate(engine) / rate(naive)).toFixed(0)}x`,
  );
}
console.log(`targets:  >= 150 MB/s, >= 0.5x ripgrep, peak RSS <= 150 MB`);
