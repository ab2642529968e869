// Child process: the naive baseline. Splits the log into lines, cleans each (same envelope
// handling) and tests every builtin pattern on every line with the same compiled regexes.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { loadBuiltinRules } from "../dist/sentinel/index.js";
import { cleanLine } from "../dist/sentinel/engine/clean-line.js";

const [file, limitArg] = process.argv.slice(2);
const limit = Number(limitArg ?? Infinity);
const rules = await loadBuiltinRules();
const patterns = rules.sentinels.flatMap((s) => s.regexMatchers.map((m) => m.pattern));
const t = process.hrtime.bigint();
let bytes = 0;
let lines = 0;
let matches = 0;
const rl = createInterface({ input: createReadStream(file, { highWaterMark: 256 * 1024 }), crlfDelay: Infinity });
for await (const raw of rl) {
  bytes += Buffer.byteLength(raw) + 1;
  lines++;
  const { text } = cleanLine(raw);
  for (const p of patterns) if (p.test(text)) matches++;
  if (bytes >= limit) break;
}
rl.close();
const seconds = Number(process.hrtime.bigint() - t) / 1e9;
process.stdout.write(
  JSON.stringify({
    seconds,
    bytes,
    lines,
    matches,
    patterns: patterns.length,
    maxRssKb: process.resourceUsage().maxRSS,
  }) + "\n",
);
