import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { classifyText, loadBuiltinRules, type DiagnosisCategory } from "../../src/sentinel/index.js";

/**
 * Whole GitHub Actions and GitLab job logs (test/fixtures/ci-logs, described in its
 * sources.json), classified with the builtin sentinels: the category, and the step or section
 * the failure is in. The sources' `errorLineIncludes` / `terminalLine` are not checked: we name
 * the first failing line the tools printed (the first failed Lighthouse assertion, say), not the
 * runner's closing summary of it.
 */

const CI_LOGS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/ci-logs");

interface Source {
  readonly file: string;
  readonly expect: {
    readonly category: DiagnosisCategory;
    readonly failingStep?: string;
    readonly failingSection?: string;
  };
}

const sources: readonly Source[] = existsSync(path.join(CI_LOGS, "sources.json"))
  ? (JSON.parse(readFileSync(path.join(CI_LOGS, "sources.json"), "utf8")) as { files: Source[] }).files
  : [];

async function diagnose(file: string) {
  return classifyText(readFileSync(path.join(CI_LOGS, file), "utf8"), await loadBuiltinRules());
}

describe("real CI job logs", () => {
  it("are there to read", () => {
    expect(sources.length).toBeGreaterThan(0);
  });

  for (const source of sources) {
    describe(source.file, () => {
      it(`is diagnosed as ${source.expect.category}`, async () => {
        const d = await diagnose(source.file);
        expect(d.category, d.summary).toBe(source.expect.category);
      });

      const step = source.expect.failingStep ?? source.expect.failingSection;
      if (step) {
        it(`places the failure in ${JSON.stringify(step)}`, async () => {
          expect((await diagnose(source.file)).step?.name).toBe(step);
        });
      }
    });
  }
});
