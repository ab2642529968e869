// `npm run bench:cli`: how long the built `sentinel` binary takes to start, against bare Node
// started the same way in the same run (the floor no CLI can go under). Measures, over N runs each
// (interleaved, so a busy machine slows every command alike): `node -e ''`, `sentinel --version`,
// and `sentinel classify <small real log>` to its first byte of output and to its exit; then where
// classify's time goes, phase by phase, in a fresh process each run.
// Options: --runs N (default 15), --log FILE (default a recorded tsc log).
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { percentile } from "./lib/stats.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const runs = Number(arg("--runs", "15"));
const log = path.resolve(arg("--log", path.join(root, "test/fixtures/tools/tsc/type-errors.log")));
const bin = path.join(root, "bin/sentinel.js");
if (!existsSync(path.join(root, "dist/cli/main.js"))) {
  console.error("bench:cli measures the built CLI: run `npm run build` first (npm run bench:cli does)");
  process.exit(1);
}

const COMMANDS = {
  "node -e ''": ["-e", ""],
  "sentinel --version": [bin, "--version"],
  "sentinel classify": [bin, "classify", log],
};

/** One run: milliseconds from spawn to the first byte on stdout, and to exit. */
function time(args) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const since = () => Number(process.hrtime.bigint() - start) / 1e6;
    let firstByte = NaN;
    const child = spawn(process.execPath, args, {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    child.stdout.once("data", () => (firstByte = since()));
    child.stdout.resume();
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve({ firstByte, exit: since() }) : reject(new Error(`${args.join(" ")} exited ${code}`)),
    );
  });
}

const samples = Object.fromEntries(Object.keys(COMMANDS).map((k) => [k, { firstByte: [], exit: [] }]));
await time(COMMANDS["sentinel --version"]); // warm the file cache; not counted
for (let i = 0; i < runs; i++) {
  for (const [name, args] of Object.entries(COMMANDS)) {
    const t = await time(args);
    samples[name].firstByte.push(t.firstByte);
    samples[name].exit.push(t.exit);
  }
}

const median = (xs) => percentile(xs.filter(Number.isFinite), 50);
const base = median(samples["node -e ''"].exit);
const fmt = (v) => (Number.isFinite(v) ? `${v.toFixed(0).padStart(5)} ms` : "    n/a");
console.log(`cli start-up, median of ${runs} runs (log: ${path.relative(root, log)})`);
console.log(`${"command".padEnd(20)} ${"first byte".padStart(10)} ${"exit".padStart(8)}  exit / bare node`);
for (const [name, s] of Object.entries(samples)) {
  const exit = median(s.exit);
  console.log(`${name.padEnd(20)} ${fmt(median(s.firstByte)).padStart(10)} ${fmt(exit)}  ${(exit / base).toFixed(1)}x`);
}

// Where `classify` spends its start-up, each phase timed in a fresh process (medians of the runs).
// The modules `sentinel classify` imports (the engine's and the rule loader's, not the index).
const url = (p) => JSON.stringify(pathToFileURL(path.join(root, p)).href);
const PHASES = `
const t0 = performance.now();
const [s, r] = await Promise.all([import(${url("dist/sentinel/engine/classify-stream.js")}), import(${url("dist/sentinel/rules/load-rule-files.js")})]);
const t1 = performance.now();
const rules = await r.loadBuiltinRules();
const t2 = performance.now();
s.classifyText((await import("node:fs")).readFileSync(${JSON.stringify(log)}, "utf8"), rules);
const t3 = performance.now();
console.log(JSON.stringify({ importEngine: t1 - t0, loadBuiltinRules: t2 - t1, firstClassify: t3 - t2, files: new Set(rules.sentinels.map((x) => x.file)).size }));
`;
const phases = [];
for (let i = 0; i < runs; i++)
  phases.push(JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", PHASES], { encoding: "utf8" })));
console.log(`\nclassify's start-up by phase (in-process, median of ${runs}; ${phases[0].files} builtin rule files)`);
for (const name of ["importEngine", "loadBuiltinRules", "firstClassify"])
  console.log(`${name.padEnd(20)} ${fmt(median(phases.map((p) => p[name])))}`);
