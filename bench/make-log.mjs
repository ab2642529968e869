// Builds a CI log of a given size from REAL CI log lines: the passing parts of the public logs in
// ../shared/log-corpus/ and of the recorded fixtures (test/fixtures/tools/*/, test/fixtures/ci-logs/),
// wrapped as GitHub Actions wraps a job (timestamps, ##[group] per step), with a real failure
// (a fixture's failing part) spliced in every ~50k lines. Nothing is copied into bench/: the
// sources are read at run time, so new fixtures feed the bench as they land.
import { execFileSync } from "node:child_process";
import { createWriteStream, existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { classifyText, loadBuiltinRules } from "../dist/sentinel/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, "..");
const SOURCES = {
  corpus: corpusDir(),
  tools: path.join(root, "test/fixtures/tools"),
  ciLogs: path.join(root, "test/fixtures/ci-logs"),
};
/** A failure snippet every this many lines, on average. */
const FAILURE_EVERY = 50_000;
const FAILURE_LINES = 60;
// GitHub Actions' prefix; sources that carry one are re-stamped so time runs forward.
const TIMESTAMP = /^\uFEFF?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?/;

/**
 * The public log corpus sits beside the main checkout (`../shared/log-corpus`); from a git worktree
 * elsewhere, beside the checkout that owns the repository, so that every checkout builds the same log.
 */
function corpusDir() {
  const beside = path.join(root, "../shared/log-corpus");
  if (existsSync(beside)) return beside;
  try {
    const common = execFileSync("git", ["rev-parse", "--path-format=absolute", "--git-common-dir"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return path.join(path.dirname(common), "../shared/log-corpus");
  } catch {
    // Not a git checkout (an unpacked package): the fixtures alone feed the log.
    return beside;
  }
}

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

const readLines = (file) =>
  readFileSync(file, "utf8")
    .replace(/\n$/, "")
    .split("\n")
    .map((l) => l.replace(TIMESTAMP, ""));

/**
 * Where a source's failure starts (0-based), or null when the whole source passed: the earlier of
 * its declared failure line (the corpus' `#=MATCH=#` marker, a manifest's firstErrorLine) and the
 * first error-level finding of the builtins, so no line either calls a failure counts as noise. A
 * `passed` manifest case or a succeeded job is noise throughout.
 */
function failureStart(lines, declared, rules) {
  if (declared === "passed") return null;
  const d = classifyText(lines.join("\n") + "\n", rules);
  const errors = d.findings.filter((f) => f.severity === "error").map((f) => f.logLine - 1);
  const first = Math.min(declared ?? Infinity, ...errors, (d.firstErrorLine?.lineNumber ?? Infinity) - 1);
  return Number.isFinite(first) ? first : null;
}

function* sources() {
  if (existsSync(SOURCES.corpus)) {
    for (const name of readdirSync(SOURCES.corpus).sort()) {
      const raw = readLines(path.join(SOURCES.corpus, name)).filter((l) => !l.startsWith("#=SOURCE=#"));
      const match = raw.findIndex((l) => l.startsWith("#=MATCH=#"));
      // The marker and the ‹ › around captures are the corpus' annotations, not log text.
      const lines = raw.map((l) =>
        l
          .replace(/^#=MATCH=# /, "")
          .replace(TIMESTAMP, "")
          .replace(/[‹›]/g, ""),
      );
      yield { name: `corpus/${name}`, lines, declared: match >= 0 ? match : undefined };
    }
  }
  for (const tool of existsSync(SOURCES.tools) ? readdirSync(SOURCES.tools).sort() : []) {
    const manifest = path.join(SOURCES.tools, tool, "fixtures.json");
    if (!existsSync(manifest)) continue;
    for (const c of JSON.parse(readFileSync(manifest, "utf8")).cases) {
      const file = path.join(SOURCES.tools, tool, c.file);
      if (!existsSync(file)) continue;
      const passed = c.expect?.category === "passed";
      const first = c.expect?.firstErrorLine;
      yield {
        name: `${tool}/${c.file}`,
        lines: readLines(file),
        declared: passed ? "passed" : first ? first - 1 : undefined,
      };
    }
  }
  const ciManifest = path.join(SOURCES.ciLogs, "sources.json");
  if (existsSync(ciManifest)) {
    for (const f of JSON.parse(readFileSync(ciManifest, "utf8")).files) {
      const lines = readLines(path.join(SOURCES.ciLogs, f.file));
      const needle = f.expect?.errorLineIncludes;
      const at = needle ? lines.findIndex((l) => l.includes(needle)) : -1;
      const passed = f.expect?.category === "passed" || /succeeded/.test(f.file);
      yield { name: `ci-logs/${f.file}`, lines, declared: passed ? "passed" : at >= 0 ? at : undefined };
    }
  }
}

/** Splits every source into its passing part (noise) and its failing part (a snippet to splice in). */
export async function loadParts() {
  const rules = await loadBuiltinRules();
  const noise = [];
  const failures = [];
  for (const s of sources()) {
    const cut = failureStart(s.lines, s.declared, rules);
    const pass = cut === null ? s.lines : s.lines.slice(0, cut);
    if (pass.some((l) => l.trim() !== "")) noise.push({ name: s.name, lines: pass });
    if (cut !== null) failures.push({ name: s.name, lines: s.lines.slice(cut, cut + FAILURE_LINES) });
  }
  return { noise, failures };
}

export async function makeLog(file, targetBytes, seed = 42) {
  const r = mulberry32(seed);
  const { noise, failures } = await loadParts();
  const out = createWriteStream(file);
  let bytes = 0;
  let i = 0;
  let failureCount = 0;
  let nextFailure = Math.floor(FAILURE_EVERY * (0.5 + r()));
  const t0 = Date.UTC(2024, 4, 1, 12, 0, 0);
  const stamp = () => new Date(t0 + i * 3).toISOString().replace("Z", "0000Z") + " ";
  const write = (line) => {
    const s = stamp() + line + "\n";
    bytes += Buffer.byteLength(s);
    i++;
    return out.write(s);
  };
  const writeAll = async (lines) => {
    for (const l of lines) if (!write(l)) await new Promise((resolve) => out.once("drain", resolve));
  };
  while (bytes < targetBytes) {
    // A step as the runner prints it: its command in a group, then its output (a few sources').
    const parts = Array.from({ length: 1 + Math.floor(r() * 8) }, () => noise[Math.floor(r() * noise.length)]);
    await writeAll([`##[group]Run ${parts[0].name}`, parts[0].name, "##[endgroup]", ...parts.flatMap((p) => p.lines)]);
    if (failures.length > 0 && i >= nextFailure) {
      await writeAll(failures[Math.floor(r() * failures.length)].lines);
      failureCount++;
      nextFailure = i + Math.floor(FAILURE_EVERY * (0.5 + r()));
    }
  }
  await writeAll(["##[error]Process completed with exit code 1."]);
  await new Promise((resolve) => out.end(resolve));
  return {
    bytes,
    lines: i,
    failures: failureCount,
    noiseSources: noise.length,
    noiseLines: noise.reduce((n, p) => n + p.lines.length, 0),
  };
}
