// The ceiling of a two-thread classifier on this machine: the log's two halves classified at
// once in two worker threads (no merging, which a real split would add), against one worker
// reading the whole log. Run `npm run bench` first to write the log.
//   node bench/two-halves.mjs [bench/out/ci-100mb.log] [rounds]
import { openSync, readFileSync, readSync, statSync } from "node:fs";
import { Worker } from "node:worker_threads";

const file = process.argv[2] ?? new URL("./out/ci-100mb.log", import.meta.url).pathname;
const rounds = Number(process.argv[3] ?? 3);
const size = statSync(file).size;
const sentinel = new URL("../dist/sentinel/index.js", import.meta.url).href;

const worker = `
const { parentPort, workerData } = require("node:worker_threads");
const { createReadStream } = require("node:fs");
(async () => {
  const { classifyStream, loadBuiltinRules } = await import(workerData.sentinel);
  const rules = await loadBuiltinRules();
  parentPort.postMessage("ready");
  await new Promise((go) => parentPort.once("message", go));
  const start = process.hrtime.bigint();
  const input = createReadStream(workerData.file, { start: workerData.start, end: workerData.end - 1, highWaterMark: 256 * 1024 });
  const d = await classifyStream(input, rules, { cpuBudgetMs: 1e9 });
  parentPort.postMessage({ seconds: Number(process.hrtime.bigint() - start) / 1e9, lines: d.stats.lines });
})();`;

/** A newline near the middle, so each half holds whole lines. */
function middle() {
  const probe = Buffer.alloc(1 << 16);
  const n = readSync(openSync(file, "r"), probe, 0, probe.length, Math.floor(size / 2));
  const nl = probe.subarray(0, n).indexOf(10);
  return nl < 0 ? size : Math.floor(size / 2) + nl + 1;
}

async function run(ranges) {
  const workers = ranges.map(
    ([start, end]) => new Worker(worker, { eval: true, workerData: { sentinel, file, start, end } }),
  );
  await Promise.all(workers.map((w) => new Promise((ready) => w.once("message", ready))));
  const t = process.hrtime.bigint();
  const results = await Promise.all(
    workers.map((w) => {
      const done = new Promise((resolve) => w.once("message", resolve));
      w.postMessage("go");
      return done;
    }),
  );
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  await Promise.all(workers.map((w) => w.terminate()));
  return { wall, halves: results.map((r) => r.seconds) };
}

const mid = middle();
const mb = size / 1e6;
for (let round = 0; round < rounds; round++) {
  const one = await run([[0, size]]);
  const two = await run([
    [0, mid],
    [mid, size],
  ]);
  console.log(
    `one thread ${one.wall.toFixed(2)} s (${(mb / one.wall).toFixed(1)} MB/s); ` +
      `two threads ${two.wall.toFixed(2)} s (${(mb / two.wall).toFixed(1)} MB/s; halves ${two.halves.map((s) => s.toFixed(2)).join(" and ")} s); ` +
      `ceiling ${(one.wall / two.wall).toFixed(2)}x`,
  );
}
// Peak RSS of this process: the main thread and both workers' isolates.
console.log(
  `peak RSS ${(Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))[1]) / 1024).toFixed(0)} MB`,
);
