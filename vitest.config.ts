import { defineConfig } from "vitest/config";
import { isolatedTestFiles } from "./test/support/isolation.js";

// Files that keep state a later file would inherit get a process of their own; the rest share a
// worker's modules (test/support/isolation.ts says which and why).
const isolated = isolatedTestFiles(import.meta.dirname);

export default defineConfig({
  test: {
    globalSetup: ["./test/support/global-setup.ts"],
    reporters: ["default", "./test/support/plain-summary-reporter.ts"],
    // Generous limits: three test files run at once on a 2-core machine, and the end-to-end suites
    // run real git, sandboxed fixers and npm; a limit is a hang guard here, never a speed check.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // One more file than cores: end-to-end files spend much of their time waiting on child
    // processes (git, bwrap, npm), and a third file fills those gaps (`npm test` 836 s → 774 s
    // here, the same CPU; the slowest test with the default limit took 28 s).
    maxWorkers: 3,
    projects: [
      { extends: true, test: { name: "isolated", include: isolated, isolate: true } },
      { extends: true, test: { name: "shared", include: ["test/**/*.test.ts"], exclude: isolated, isolate: false } },
    ],
  },
});
