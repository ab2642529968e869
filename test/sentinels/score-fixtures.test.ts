import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  formatReport,
  manifestDirs,
  scoreManifest,
  tally,
  TOOLS_DIR,
  type CaseScore,
} from "../../bench/score-fixtures.js";
import { loadBuiltinRules } from "../../src/sentinel/index.js";

/** `npm run bench:score` is a measurement; these keep its parts from rotting, not its figures. */

describe("the fixture score", () => {
  it("scores every case of a tool's manifest against the manifest's category", async () => {
    const manifest = JSON.parse(readFileSync(path.join(TOOLS_DIR, "black", "fixtures.json"), "utf8")) as {
      cases: { file: string; expect: { category: string } }[];
    };
    const scores = scoreManifest("black", await loadBuiltinRules());
    expect(scores.map((s) => s.name)).toEqual(manifest.cases.map((c) => c.file));
    expect(scores.map((s) => s.category?.want)).toEqual(manifest.cases.map((c) => c.expect.category));
    expect(scores.every((s) => s.group === "black" && typeof s.category?.got === "string")).toBe(true);
  });

  it("finds the manifests under test/fixtures/tools", () => {
    expect(manifestDirs()).toContain("black");
  });

  it("counts a first error line three lines off as near but not exact, and a missing one as neither", () => {
    const score = (want: number | null, got: number | null): CaseScore => ({
      group: "t",
      name: "n",
      recognised: null,
      category: null,
      firstErrorLine: { want, got },
      errorCount: null,
    });
    const t = tally([score(10, 10), score(10, 13), score(10, 14), score(10, null), score(null, null)]);
    expect(t.lineExact).toEqual([2, 5]);
    expect(t.lineNear).toEqual([3, 5]);
  });

  it("reports an unlabelled measure as n/a, not as zero", () => {
    const report = formatReport([
      {
        group: "t",
        name: "n",
        recognised: true,
        category: { want: "lint", got: "lint" },
        firstErrorLine: null,
        errorCount: null,
      },
    ]);
    expect(report).toMatch(
      /^total: 1 outputs; tool recognised 100% \(1\/1\); category 100% \(1\/1\); first error line exact n\/a/m,
    );
  });
});
