import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { classifyText, loadBuiltinRules, type Diagnosis, type DiagnosisCategory } from "../../src/sentinel/index.js";
import { normalizeFilePath } from "../../src/sentinel/engine/normalize.js";

/**
 * Every case of every test/fixtures/tools/<tool>/fixtures.json, classified with the builtin
 * sentinels: the diagnosis must name the expected category and carry each expected finding.
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
  readonly expect: { readonly category: DiagnosisCategory; readonly findings: readonly ExpectedFinding[] };
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
 */
const KNOWN_GAPS: Readonly<Record<string, string>> = {
  // MULTI-LINE
  // EVIDENCE
  "pip/unreachable-index.log":
    "EVIDENCE: with --retries 0 pip prints only `(from versions: none)`, which an index that lacks the package prints too; we answer dependency",
  // OWNER: the rule that decides is another helper's file
  "bundler/tsc-module.log":
    "OWNER: tsc.yml calls every TSxxxx error typecheck, TS2307 (Cannot find module) included; module resolution is a build failure (issue #14)",
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
