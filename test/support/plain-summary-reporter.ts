import { relative } from "node:path";
import type { Reporter, TestModule } from "vitest/node";

const SLOWEST = 25;

/**
 * Prints one plain `N passed, N failed, N skipped` line at the end, which any CI reader
 * understands, next to vitest's own summary, and the slowest files: CI has a time budget, and its
 * log should say where the time went.
 */
export default class PlainSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const slowest = testModules
      .map((mod) => ({ file: mod.moduleId, ms: mod.diagnostic().duration + mod.diagnostic().collectDuration }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, SLOWEST);
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else skipped++;
      }
    }
    process.stdout.write(`\nSlowest ${slowest.length} test files (import + tests):\n`);
    for (const { file, ms } of slowest)
      process.stdout.write(`  ${(ms / 1000).toFixed(1).padStart(6)} s  ${relative(process.cwd(), file)}\n`);
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
