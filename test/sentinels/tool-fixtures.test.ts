import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { classifyText, loadBuiltinRules, type Diagnosis, type DiagnosisCategory } from "../../src/sentinel/index.js";
import { normalizeFilePath } from "../../src/sentinel/engine/normalize.js";

/**
 * Every case of every test/fixtures/tools/<tool>/fixtures.json, classified with the builtin
 * sentinels: the diagnosis must name the expected category and carry each expected finding; where
 * the case gives them, its first error line must be `firstErrorLine` (the 1-based log line where
 * the tool's first error-level diagnostic starts; null when it passed) and its error and warning
 * counts (one per diagnostic, summaries excluded) the tool's own `errorCount` and `warningCount`.
 *
 * Expected file paths are compared the way the engine normalises the paths it reports: relative
 * to the manifest's projectRoot (and the case's cwd under it) when the manifest names one, with
 * a leading `./` dropped. The manifests' `test` field (the test a finding belongs to) has no
 * counterpart in a Finding and is not checked.
 */

const TOOLS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/tools");

interface ExpectedFinding {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly code?: string;
  readonly severity?: "error" | "warning" | "notice";
  readonly messageIncludes?: string;
  readonly test?: string;
}

interface FixtureCase {
  readonly file: string;
  readonly command?: string;
  readonly cwd?: string;
  readonly exitCode?: number;
  readonly description?: string;
  readonly expect: {
    readonly category: DiagnosisCategory;
    readonly firstErrorLine?: number | null;
    readonly errorCount?: number;
    readonly warningCount?: number;
    readonly findings: readonly ExpectedFinding[];
  };
}

interface Manifest {
  readonly tool: string;
  readonly projectRoot?: string;
  readonly cases: readonly FixtureCase[];
}

/**
 * Expectations the builtin sentinels do not meet, each with the reason. They run as `it.fails`,
 * so a change that meets one turns the run red until the entry is removed.
 *
 * MULTI-LINE: the expected finding joins facts from lines a variable distance apart (a test's
 *   title and a stack frame further down), which neither a line rule nor a GitHub-style problem
 *   matcher (consecutive lines only) can join.
 * EVIDENCE: the log does not contain what the expectation needs.
 * RULES: a builtin rule file of another owner reads the log otherwise (the reason says what to change).
 * PREFILTER: the line has no literal text a rule could require, so no rule reads it.
 * STATEFUL: a finding Sentinel derives from several lines stands where the tool printed none.
 */
const NPM_ONE_ERROR =
  "RULES (npm.yml, network.yml: another owner): npm prints one error over many `npm error` lines; the rules report its code and detail lines as separate errors and rank the detail line above the `code` line that starts it";
const GO_TEST =
  "RULES (go.yml: another owner): `FAIL <package>` lines are per-package summaries not marked `summary: true`, and a test's panic is not joined to its `--- FAIL` line";
const WARNINGS_AS_ERRORS =
  "ENGINE: the tool failed on warnings (`--warnings-as-errors`), so its warnings are the errors; the engine counts them as warnings and starts at the `Compilation failed due to warnings` line";
const CARGO_CAUSE_CHAIN =
  "RULES: cargo's own `error: failed to get …` (cargo/other-error, 0.4) ranks below the network cause at the end of its chain, so the first error line is the cause's";

const KNOWN_GAPS: Readonly<Record<string, string>> = {
  // MULTI-LINE
  // EVIDENCE
  "pip/unreachable-index.log":
    "EVIDENCE: with --retries 0 pip prints only `(from versions: none)`, which an index that lacks the package prints too; we answer dependency",
  // OWNER: the rule that decides is another helper's file
  "bundler/tsc-module.log":
    "OWNER: tsc.yml calls every TSxxxx error typecheck, TS2307 (Cannot find module) included; module resolution is a build failure (issue #14)",
  // RULES: the rule file that would fix it belongs to another owner, or no rule can anchor the line.
  "go/test-failure.log#errorCount": GO_TEST,
  "go/test-failure-verbose.log#errorCount": GO_TEST,
  "go/race.log#errorCount": GO_TEST,
  "go/race.log#firstErrorLine":
    "RULES (go.yml: another owner): `--- FAIL: TestCount` (confidence 0.9) outranks the `WARNING: DATA RACE` report (0.85) above it that is its cause",
  "mocha/failing.log#firstErrorLine":
    "PREFILTER: the progress line `    1) sums item prices` has no literal of three characters a rule could require, so the finding starts at the numbered failure below it",
  "network/econnrefused.log#firstErrorLine": NPM_ONE_ERROR,
  "network/econnrefused.log#errorCount": NPM_ONE_ERROR,
  "network/dns.log#firstErrorLine": NPM_ONE_ERROR,
  "network/dns.log#errorCount": NPM_ONE_ERROR,
  "network/econnrefused-npm9.log#firstErrorLine": NPM_ONE_ERROR,
  "network/econnrefused-npm9.log#errorCount": NPM_ONE_ERROR,
  "network/dns-npm9.log#firstErrorLine": NPM_ONE_ERROR,
  "network/dns-npm9.log#errorCount": NPM_ONE_ERROR,
  "npm/e404.log#firstErrorLine": NPM_ONE_ERROR,
  "npm/e404.log#errorCount": NPM_ONE_ERROR,
  "npm/etarget.log#firstErrorLine": NPM_ONE_ERROR,
  "npm/etarget.log#errorCount": NPM_ONE_ERROR,
  "npm/eresolve.log#firstErrorLine": NPM_ONE_ERROR,
  "npm/eresolve.log#errorCount": NPM_ONE_ERROR,
  "npm/e404-npm9.log#firstErrorLine": NPM_ONE_ERROR,
  "npm/e404-npm9.log#errorCount": NPM_ONE_ERROR,
  "npm/etarget-npm9.log#firstErrorLine": NPM_ONE_ERROR,
  "npm/etarget-npm9.log#errorCount": NPM_ONE_ERROR,
  "npm/eresolve-npm9.log#firstErrorLine": NPM_ONE_ERROR,
  "npm/eresolve-npm9.log#errorCount": NPM_ONE_ERROR,
  "npm/postinstall.log#firstErrorLine": NPM_ONE_ERROR,
  "npm/postinstall-npm9.log#firstErrorLine": NPM_ONE_ERROR,
  "npm/run-build-workspaces.log#firstErrorLine":
    "RULES (npm.yml: another owner): the script's own `Error: Cannot find module './config.json'` (node/file-not-found, 0.45: a missing file says no cause) ranks below npm's `Lifecycle script failed` report of it",
  "npm/run-build-workspaces.log#errorCount":
    "RULES (npm.yml: another owner): npm's `Lifecycle script ... failed` and `command failed` lines restate the script's error but are not marked `summary: true`",
  "npm/run-build-workspaces-npm9.log#firstErrorLine":
    "RULES (npm.yml: another owner): the script's own `Error: Cannot find module './config.json'` (0.45) ranks below npm's `Lifecycle script failed` report of it",
  "npm/run-build-workspaces-npm9.log#errorCount":
    "RULES (npm.yml: another owner): npm's `Lifecycle script ... failed` and `command failed` lines restate the script's error but are not marked `summary: true`",
  "pip/unreachable-index-retries.log#firstErrorLine":
    "STATEFUL: pip/retries-exhausted fires on the second WARNING retry line (by design: see the test below) and is an error Sentinel derives, not one pip printed",
  "pip/unreachable-index-retries.log#errorCount":
    "STATEFUL: the derived pip/retries-exhausted error merges with the retry warning on its line and counts as a third error",
  "pip/unreachable-index-retries.log#warningCount":
    "STATEFUL: the second retry warning merges with the derived error on its line",
  "pnpm/e404.log#firstErrorLine":
    "RULES (pnpm.yml: another owner): the detail line `… is not in the npm registry` (0.9) outranks the ` ERR_PNPM_FETCH_404 ` line that starts the error, and is not joined to it",
  "pnpm/e404.log#errorCount":
    "RULES (pnpm.yml: another owner): the ERR_PNPM_FETCH_404 line and its detail line four lines below are reported as two errors",
  "pnpm/test.log#errorCount":
    "RULES (pnpm.yml: another owner): pnpm's `Test failed. See above for more details.` restates the test's error but is not marked `summary: true`",
  // Found when the tool-family fixtures met the first-error-line and count checks (issue #14).
  "elixir/elixir-1.19-warnings-as-errors.log#firstErrorLine": WARNINGS_AS_ERRORS,
  "elixir/elixir-1.19-warnings-as-errors.log#warningCount": WARNINGS_AS_ERRORS,
  "infra/npm-503.log#firstErrorLine": NPM_ONE_ERROR,
  "infra/npm-503.log#errorCount": NPM_ONE_ERROR,
  "lockfile/npm-ci.log#firstErrorLine": NPM_ONE_ERROR,
  "lockfile/npm-ci.log#errorCount": NPM_ONE_ERROR,
  "infra/pip-tls.log#firstErrorLine":
    "STATEFUL: the derived pip/retries-exhausted error and each `Could not fetch URL` line count as errors; pip reports the TLS failure as two",
  "infra/pip-tls.log#errorCount":
    "STATEFUL: the derived pip/retries-exhausted error and each `Could not fetch URL` line count as errors; pip reports the TLS failure as two",
  "infra/cargo-refused.log#firstErrorLine": CARGO_CAUSE_CHAIN,
  "infra/cargo-503.log#firstErrorLine": CARGO_CAUSE_CHAIN,
  "ninja/pip-wheel-indented.log#errorCount":
    "RULES: pip's `subprocess-exited-with-error`, `Failed building wheel` and `Failed to build one or more wheels` restate the compiler error and ninja's FAILED line, but are lines apart, so nothing joins them",
  "oom/make-error-137.log#errorCount":
    "MULTI-LINE: bash's `Killed` and make's `Error 137` on the next line are one kill, read by two line rules with nothing in common to join them by",
  "shellcheck/tty.log#firstErrorLine":
    "PROBLEM-MATCHER: the first diagnostic of the tty format is a notice (SC2086 info), and the first error-level one is reported at its message line, two lines below the `In x.sh line N:` line where it starts",
  "timeout/pytest-timeout.log#firstErrorLine":
    "RULES: the problem matcher reports `Failed: Timeout >1.0s` at the `E` line, below the test's `____ test_x ____` header and code where the failure starts",
  "timeout/jest.log#firstErrorLine":
    "RULES: jest's `✕ drains the queue (5003 ms)` progress line has no rule; the finding starts at the `● queue › drains the queue` block",
  "timeout/mocha.log#firstErrorLine":
    "PREFILTER: as mocha/failing.log, the `1) …` lines carry no literal a rule could require; only the `1 failing` summary is read",
  "shfmt/list.log#firstErrorLine":
    "PREFILTER: `shfmt -l` names `bin/release`, a script without an extension, first; a bare name has no literal a rule could require, so shfmt-list reads only names with a shell extension (`shfmt -d` reads both)",
  "shfmt/list.log#errorCount":
    "PREFILTER: as shfmt/list.log#firstErrorLine, `bin/release` is not read, so one of the two files is counted",
  "timeout/mocha.log#errorCount":
    "PREFILTER: as mocha/failing.log, the `1) …` lines carry no literal a rule could require; only the `1 failing` summary is read",
};

function manifests(): Array<{ dir: string; manifest: Manifest }> {
  return readdirSync(TOOLS_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(TOOLS_DIR, e.name, "fixtures.json")))
    .map((e) => e.name)
    .sort()
    .map((dir) => ({
      dir,
      manifest: JSON.parse(readFileSync(path.join(TOOLS_DIR, dir, "fixtures.json"), "utf8")) as Manifest,
    }));
}

/** The roots the engine should strip: the case's working directory, then the project root. */
function workspaceRoots(manifest: Manifest, c: FixtureCase): string[] {
  if (!manifest.projectRoot) return [];
  return [...(c.cwd ? [path.resolve(manifest.projectRoot, c.cwd)] : []), manifest.projectRoot];
}

async function diagnose(dir: string, manifest: Manifest, c: FixtureCase): Promise<Diagnosis> {
  const text = readFileSync(path.join(TOOLS_DIR, dir, c.file), "utf8");
  // As `sentinel watch -- <command>` would: the command that printed the output is known.
  return classifyText(text, await loadBuiltinRules(), {
    workspaceRoots: workspaceRoots(manifest, c),
    ...(c.command ? { command: c.command } : {}),
  });
}

function describeFinding(f: ExpectedFinding): string {
  const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ""}${f.column ? `:${f.column}` : ""}` : "";
  return [where, f.code, f.severity, f.messageIncludes && JSON.stringify(f.messageIncludes)].filter(Boolean).join(" ");
}

/** The diagnostics that count as errors: error-level, sure enough to name a cause, not a summary line. */
function errorLevel(d: Diagnosis): Diagnosis["findings"] {
  return d.findings.filter(
    (f) => f.severity === "error" && f.classification !== "Anomaly" && f.confidence >= 0.5 && !f.summary,
  );
}

function knownGap(key: string): typeof it | typeof it.fails {
  return KNOWN_GAPS[key] ? it.fails : it;
}

const all = manifests();

describe("tool fixtures", () => {
  it("exist", () => {
    expect(all.length).toBeGreaterThan(0);
  });

  for (const { dir, manifest } of all) {
    describe(`${dir} (${manifest.tool})`, () => {
      for (const c of manifest.cases) {
        const key = `${dir}/${c.file}`;
        const expected = c.expect.category;

        knownGap(key)(`diagnoses ${c.file} as ${expected}`, async () => {
          const d = await diagnose(dir, manifest, c);
          if (expected !== "passed") {
            // A case no sentinel recognises fails here, with the lines a person would start from.
            const specific = d.findings.filter((f) => f.confidence >= 0.5 && f.category !== null);
            expect(specific, `no builtin sentinel recognises ${key}: ${d.summary}`).not.toEqual([]);
          }
          expect(d.category, `${key}: ${d.summary}`).toBe(expected);
        });

        const { firstErrorLine, errorCount, warningCount } = c.expect;
        if (firstErrorLine !== undefined)
          knownGap(`${key}#firstErrorLine`)(
            `starts ${c.file}'s first error at log line ${firstErrorLine}`,
            async () => {
              const d = await diagnose(dir, manifest, c);
              expect(d.firstErrorLine?.lineNumber ?? null, `${key}: ${d.summary}`).toBe(firstErrorLine);
            },
          );
        if (errorCount !== undefined)
          knownGap(`${key}#errorCount`)(`counts ${errorCount} error(s) in ${c.file}`, async () => {
            const d = await diagnose(dir, manifest, c);
            expect(errorLevel(d).length, `${key}: ${d.summary}`).toBe(errorCount);
            expect(d.errorCount).toBe(errorCount);
          });
        if (warningCount !== undefined)
          knownGap(`${key}#warningCount`)(`counts ${warningCount} warning(s) in ${c.file}`, async () => {
            const d = await diagnose(dir, manifest, c);
            expect(d.warningCount, `${key}: ${d.summary}`).toBe(warningCount);
          });

        c.expect.findings.forEach((f, i) => {
          knownGap(`${key}#${i}`)(`reports ${describeFinding(f) || "a finding"} in ${c.file}`, async () => {
            const d = await diagnose(dir, manifest, c);
            const roots = workspaceRoots(manifest, c);
            const wanted: Record<string, unknown> = {};
            if (f.file !== undefined) wanted.file = normalizeFilePath(f.file, roots);
            if (f.line !== undefined) wanted.line = f.line;
            if (f.column !== undefined) wanted.column = f.column;
            if (f.code !== undefined) wanted.code = f.code;
            if (f.severity !== undefined) wanted.severity = f.severity;
            if (f.messageIncludes !== undefined) wanted.message = expect.stringContaining(f.messageIncludes);
            expect(d.findings).toEqual(expect.arrayContaining([expect.objectContaining(wanted)]));
          });
        });
      }
    });
  }
});

describe("a stateful finding that becomes the primary finding", () => {
  // pip/retries-exhausted fires on the second connection retry and outranks the retry lines.
  it("names the line that fired it as the first error line", async () => {
    const c = { file: "unreachable-index-retries.log", expect: { category: "infra" as const, findings: [] } };
    const d = await diagnose("pip", { tool: "pip", cases: [] }, c);
    expect(d.category).toBe("infra");
    expect(d.firstErrorLine?.text).toContain("Connection refused");
    expect(d.evidence?.lines).toContain(d.firstErrorLine?.text);
  });
});

describe("output that means nothing without its command", () => {
  it("is not read as gofmt's file list when the command is unknown", async () => {
    const d = classifyText("main.go\n", await loadBuiltinRules());
    expect(d.status).toBe("passed");
  });
});
