// Builds a realistic CI log of a given size: a GitHub Actions job log (timestamps, groups) that is
// mostly passing noise, with real failing-tool output from test/fixtures/tools sprinkled in.
import { createWriteStream, readdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixturesDir = path.join(here, "../test/fixtures/tools");

/** Deterministic PRNG so every run builds the same log. */
function mulberry32(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function failureSnippets() {
  const out = [];
  if (!existsSync(fixturesDir)) return out;
  for (const tool of readdirSync(fixturesDir)) {
    const dir = path.join(fixturesDir, tool);
    if (!existsSync(path.join(dir, "fixtures.json"))) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".log"))) {
      const lines = readFileSync(path.join(dir, file), "utf8").split("\n").slice(0, 60);
      out.push(lines);
    }
  }
  return out;
}

const NOISE = [
  (r, i) =>
    `  \u2713 src/components/widget_${i % 997}.test.tsx > renders variant ${i % 13} with props (${Math.floor(r() * 40)} ms)`,
  (r, i) => `PASS src/modules/feature_${i % 211}/index.test.ts (${(r() * 3).toFixed(2)} s)`,
  (r, i) =>
    `npm http fetch GET 200 /@scope/package-${i % 503}/-/package-${i % 503}-1.${i % 20}.0.tgz ${Math.floor(r() * 900)}ms (cache hit)`,
  (r, i) => `tests/test_module_${i % 317}.py::TestThing::test_case_${i % 41} PASSED [${Math.floor(i % 100)}%]`,
  (r, i) => `[${i % 1000}/${2000}] Compiling CXX object src/CMakeFiles/core.dir/module_${i % 743}.cpp.o`,
  (r, i) => `=== RUN   TestHandler_${i % 389}/subcase_${i % 7}`,
  (r, i) => `--- PASS: TestHandler_${i % 389} (0.0${i % 10}s)`,
  (r, i) => `   Compiling serde_derive v1.0.${i % 200}`,
  (r, i) =>
    `Downloading https://files.example.invalid/packages/pkg_${i % 97}-2.${i % 30}.1-py3-none-any.whl (${Math.floor(r() * 900)} kB)`,
  (r, i) => `ok  \tgithub.com/example/project/pkg/mod${i % 61}\t0.${i % 900}s`,
  (r, i) => `\x1b[32m\u2714\x1b[39m lint passed for packages/pkg-${i % 50} in ${Math.floor(r() * 300)}ms`,
  (r, i) => `Successfully installed package-${i % 300}-${i % 9}.${i % 4}.0`,
];

export async function makeLog(file, targetBytes, seed = 42) {
  const r = mulberry32(seed);
  const snippets = failureSnippets();
  const out = createWriteStream(file);
  let bytes = 0;
  let i = 0;
  let failures = 0;
  const t0 = Date.UTC(2024, 4, 1, 12, 0, 0);
  const stamp = () => new Date(t0 + i * 3).toISOString().replace("Z", "0000Z") + " ";
  const write = (line) => {
    const s = stamp() + line + "\n";
    bytes += Buffer.byteLength(s);
    i++;
    return out.write(s);
  };
  let step = 0;
  while (bytes < targetBytes) {
    if (i % 50_000 === 0) {
      write(`##[group]Run npm run test:${step++}`);
      write(`npm run test:${step}`);
      write("##[endgroup]");
    }
    // About one failure snippet per 2 MB of log.
    if (snippets.length > 0 && r() < 1 / 25_000) {
      for (const l of snippets[Math.floor(r() * snippets.length)]) write(l);
      failures++;
      continue;
    }
    const ok = write(NOISE[Math.floor(r() * NOISE.length)](r, i));
    if (!ok) await new Promise((resolve) => out.once("drain", resolve));
  }
  write("##[error]Process completed with exit code 1.");
  await new Promise((resolve) => out.end(resolve));
  return { bytes, lines: i, failures };
}
