import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["./test/support/global-setup.ts"],
    reporters: ["default", "./test/support/plain-summary-reporter.ts"],
    // Generous limits: two test files run at once on a 2-core machine, and the end-to-end suites
    // run real git, sandboxed fixers and npm; a limit is a hang guard here, never a speed check.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
