import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The category fixtures (test/fixtures/tools/{oom,timeout,infra,lockfile,bundler}, written by
 * generate-categories.sh) carry the ground truth the scoring reads besides the category: the
 * first line of the first error-level diagnostic, and the tool's own error count. tool-fixtures
 * checks categories and findings; this checks that the ground truth is there and names a line
 * the log has.
 */

const TOOLS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/tools");
const DIRS = ["oom", "timeout", "infra", "lockfile", "bundler"] as const;

interface CategoryCase {
  readonly file: string;
  readonly expect: { readonly category: string; readonly firstErrorLine?: number | null; readonly errorCount?: number };
}

function cases(dir: string): readonly CategoryCase[] {
  const manifest = JSON.parse(readFileSync(path.join(TOOLS_DIR, dir, "fixtures.json"), "utf8")) as {
    cases: CategoryCase[];
  };
  return manifest.cases;
}

describe("category fixtures", () => {
  for (const dir of DIRS) {
    for (const c of cases(dir)) {
      it(`${dir}/${c.file} names a non-blank line of its log as the first error line`, () => {
        const lines = readFileSync(path.join(TOOLS_DIR, dir, c.file), "utf8").split("\n");
        const n = c.expect.firstErrorLine;
        expect(n, "every failing case has a first error line").toEqual(expect.any(Number));
        expect(lines[(n as number) - 1]?.trim(), `line ${n}`).toBeTruthy();
      });

      it(`${dir}/${c.file} gives the tool's own error count`, () => {
        expect(c.expect.errorCount).toBeGreaterThanOrEqual(1);
      });
    }
  }
});
