// `npm run bench:score`: the builtin sentinels against every recorded output whose right answer is
// written down, printed per tool and in total. A measurement, not a gate: it always exits 0.
//
// Sources and the labels each carries:
// - test/fixtures/tools/<dir>/fixtures.json: every case's `expect.category`; `expect.firstErrorLine`
//   (1-based log line of the first error-level diagnostic, null for a pass) and `expect.errorCount`
//   (the tool's own count of errors) where the manifest has them, else "n/a".
// - test/fixtures/ci-logs/sources.json: the category. Its `errorLineIncludes`/`terminalLine` name the
//   runner's closing line, not the first error, so they are not scored as one.
// - test/fixtures/log-corpus: the line the source project marks with `#=MATCH=#` (its own
//   classifier's pick), scored as the first error line. Its categories live in
//   test/sentinels/log-corpus.test.ts, not in data this script can read, so they show as n/a.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { classifyText, loadBuiltinRules, type Diagnosis, type RuleSet } from "../src/sentinel/index.js";
import { corpusNames, readCorpusLog } from "../test/support/log-corpus.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const TOOLS_DIR = path.join(ROOT, "test/fixtures/tools");
const CI_LOGS_DIR = path.join(ROOT, "test/fixtures/ci-logs");

/** How near a first error line must be to count as "within ±3". */
const NEAR = 3;

interface ManifestCase {
  readonly file: string;
  readonly command?: string;
  readonly cwd?: string;
  readonly expect: {
    readonly category: string;
    /** When the case's tool is not the manifest's (a directory of situations such as `killed/`). */
    readonly tool?: string;
    readonly firstErrorLine?: number | null;
    readonly errorCount?: number;
  };
}

interface Manifest {
  readonly tool: string;
  readonly projectRoot?: string;
  readonly cases: readonly ManifestCase[];
}

/** One recorded output, scored. A null field had no label to score against. */
export interface CaseScore {
  readonly group: string;
  readonly name: string;
  /** A builtin sentinel of the expected tool made a finding; null for passing output or no tool. */
  readonly recognised: boolean | null;
  readonly category: { readonly want: string; readonly got: string } | null;
  readonly firstErrorLine: { readonly want: number | null; readonly got: number | null } | null;
  readonly errorCount: { readonly want: number; readonly got: number } | null;
}

/** The diagnosis's error count: error-level diagnostics, summaries and repeats not counted. */
export function errorFindings(d: Diagnosis): number {
  return d.errorCount;
}

/** Every case of one test/fixtures/tools/<dir>/fixtures.json, classified as `sentinel watch -- <command>` would. */
export function scoreManifest(dir: string, rules: RuleSet): CaseScore[] {
  const manifest = JSON.parse(readFileSync(path.join(TOOLS_DIR, dir, "fixtures.json"), "utf8")) as Manifest;
  return manifest.cases.map((c) => {
    const roots = manifest.projectRoot
      ? [...(c.cwd ? [path.resolve(manifest.projectRoot, c.cwd)] : []), manifest.projectRoot]
      : [];
    const d = classifyText(readFileSync(path.join(TOOLS_DIR, dir, c.file), "utf8"), rules, {
      workspaceRoots: roots,
      ...(c.command ? { command: c.command } : {}),
    });
    const tool = c.expect.tool ?? manifest.tool;
    const failing = c.expect.category !== "passed";
    return {
      group: dir,
      name: c.file,
      recognised: failing ? d.findings.some((f) => f.tool === tool) : null,
      category: { want: c.expect.category, got: d.category },
      firstErrorLine:
        c.expect.firstErrorLine === undefined
          ? null
          : { want: c.expect.firstErrorLine, got: d.firstErrorLine?.lineNumber ?? null },
      errorCount: c.expect.errorCount === undefined ? null : { want: c.expect.errorCount, got: errorFindings(d) },
    };
  });
}

/** The directories under test/fixtures/tools that hold a manifest, sorted. */
export function manifestDirs(): string[] {
  return readdirSync(TOOLS_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(TOOLS_DIR, e.name, "fixtures.json")))
    .map((e) => e.name)
    .sort();
}

function scoreCiLogs(rules: RuleSet): CaseScore[] {
  const sources = path.join(CI_LOGS_DIR, "sources.json");
  if (!existsSync(sources)) return [];
  const files = (
    JSON.parse(readFileSync(sources, "utf8")) as { files: { file: string; expect: { category: string } }[] }
  ).files;
  return files.map((s) => {
    const d = classifyText(readFileSync(path.join(CI_LOGS_DIR, s.file), "utf8"), rules);
    return {
      group: "ci-logs",
      name: s.file,
      recognised: null,
      category: { want: s.expect.category, got: d.category },
      firstErrorLine: null,
      errorCount: null,
    };
  });
}

function scoreLogCorpus(rules: RuleSet): CaseScore[] {
  return corpusNames().map((name) => {
    const log = readCorpusLog(name);
    const d = classifyText(log.text, rules);
    return {
      group: "log-corpus",
      name,
      recognised: null,
      category: null,
      firstErrorLine:
        log.matchLines.length === 0 ? null : { want: log.matchLines[0]!, got: d.firstErrorLine?.lineNumber ?? null },
      errorCount: null,
    };
  });
}

/** Counts behind one row of the report: `[hits, labelled]` for each measure. */
export interface Tally {
  readonly cases: number;
  readonly recognised: [number, number];
  readonly category: [number, number];
  readonly lineExact: [number, number];
  readonly lineNear: [number, number];
  readonly countExact: [number, number];
  /** Error findings made, and the errors the tools reported, over the cases labelled with a count. */
  readonly errorsFound: number;
  readonly errorsReported: number;
}

export function tally(scores: readonly CaseScore[]): Tally {
  const t = {
    cases: scores.length,
    recognised: [0, 0] as [number, number],
    category: [0, 0] as [number, number],
    lineExact: [0, 0] as [number, number],
    lineNear: [0, 0] as [number, number],
    countExact: [0, 0] as [number, number],
    errorsFound: 0,
    errorsReported: 0,
  };
  const add = (pair: [number, number], hit: boolean) => {
    pair[0] += hit ? 1 : 0;
    pair[1] += 1;
  };
  for (const s of scores) {
    if (s.recognised !== null) add(t.recognised, s.recognised);
    if (s.category) add(t.category, s.category.want === s.category.got);
    if (s.firstErrorLine) {
      const { want, got } = s.firstErrorLine;
      add(t.lineExact, want === got);
      add(t.lineNear, want === got || (want !== null && got !== null && Math.abs(want - got) <= NEAR));
    }
    if (s.errorCount) {
      add(t.countExact, s.errorCount.want === s.errorCount.got);
      t.errorsFound += s.errorCount.got;
      t.errorsReported += s.errorCount.want;
    }
  }
  return t;
}

function ratio([hits, of]: [number, number]): string {
  return of === 0 ? "n/a" : `${hits}/${of}`;
}

function percent([hits, of]: [number, number]): string {
  return of === 0 ? "n/a" : `${Math.round((100 * hits) / of)}%`;
}

const COLUMNS = ["group", "cases", "recognised", "category", "1st line", `±${NEAR}`, "count =", "errors found/tool"];

function row(group: string, t: Tally): string[] {
  return [
    group,
    String(t.cases),
    ratio(t.recognised),
    ratio(t.category),
    ratio(t.lineExact),
    ratio(t.lineNear),
    ratio(t.countExact),
    t.countExact[1] === 0 ? "n/a" : `${t.errorsFound}/${t.errorsReported}`,
  ];
}

/** The report: one row per group (a tool's directory, ci-logs, log-corpus), then the totals. */
export function formatReport(scores: readonly CaseScore[]): string {
  const groups = [...new Set(scores.map((s) => s.group))];
  const rows = [COLUMNS, ...groups.map((g) => row(g, tally(scores.filter((s) => s.group === g))))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  "),
  );
  const t = tally(scores);
  lines.push(
    "",
    `total: ${t.cases} outputs; tool recognised ${percent(t.recognised)} (${ratio(t.recognised)}); ` +
      `category ${percent(t.category)} (${ratio(t.category)}); ` +
      `first error line exact ${percent(t.lineExact)}, within ±${NEAR} ${percent(t.lineNear)} (of ${t.lineExact[1]} labelled); ` +
      `error count exact ${percent(t.countExact)} (${ratio(t.countExact)}), ${t.errorsFound} error findings for ${t.errorsReported} errors the tools reported`,
  );
  return lines.join("\n") + "\n";
}

/** Every scored output: the tool fixtures, then the real CI logs and the public corpus. */
export async function scoreAll(): Promise<CaseScore[]> {
  const rules = await loadBuiltinRules();
  return [
    ...manifestDirs().flatMap((dir) => scoreManifest(dir, rules)),
    ...scoreCiLogs(rules),
    ...scoreLogCorpus(rules),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const scores = await scoreAll();
  process.stdout.write(formatReport(scores));
  if (process.argv.includes("--misses")) {
    for (const s of scores) {
      const misses = [
        s.recognised === false ? "tool not recognised" : "",
        s.category && s.category.want !== s.category.got ? `category ${s.category.got}, want ${s.category.want}` : "",
        s.firstErrorLine && s.firstErrorLine.want !== s.firstErrorLine.got
          ? `first error line ${s.firstErrorLine.got}, want ${s.firstErrorLine.want}`
          : "",
        s.errorCount && s.errorCount.want !== s.errorCount.got
          ? `${s.errorCount.got} error findings, tool says ${s.errorCount.want}`
          : "",
      ].filter(Boolean);
      if (misses.length > 0) process.stdout.write(`  ${s.group}/${s.name}: ${misses.join("; ")}\n`);
    }
  }
}
