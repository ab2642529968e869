import { describe, expect, it } from "vitest";
import { classifyText, loadBuiltinRules, type DiagnosisCategory } from "../../src/sentinel/index.js";

/**
 * One line of real tool or runner output per rule that the fixture logs and the corpus do not
 * exercise (the texts are the tools' own messages), and lines that must not read as failures.
 */

interface Example {
  readonly line: string;
  readonly rule: string;
  /** The diagnosis's category: `unknown` for rules that only say that something failed. */
  readonly category: DiagnosisCategory;
}

const EXAMPLES: readonly Example[] = [
  // GitHub Actions runner
  {
    line: "2024-05-01T12:00:00.1234567Z ##[error]The job running on runner GitHub Actions 2 has exceeded the maximum execution time of 360 minutes.",
    rule: "github-actions/job-timeout",
    category: "timeout",
  },
  { line: "##[error]Process completed with exit code 1.", rule: "github-actions/exit-code", category: "unknown" },
  { line: "##[error]Process completed with exit code 137.", rule: "github-actions/exit-code-137", category: "oom" },
  { line: "##[error]Process completed with exit code 143.", rule: "github-actions/exit-code-143", category: "infra" },
  { line: "##[error]Process completed with exit code 124.", rule: "github-actions/exit-code-124", category: "timeout" },
  {
    line: "##[error]The self-hosted runner: ci-runner-7 lost communication with the server. Verify the machine is running and has a healthy network connection.",
    rule: "github-actions/runner-lost",
    category: "infra",
  },
  {
    line: "##[error]Received request to deprovision: The request was cancelled by the remote provider.",
    rule: "github-actions/deprovisioned",
    category: "infra",
  },
  // GitLab Runner
  { line: "ERROR: Job failed: exit code 1", rule: "gitlab-runner/exit-code", category: "unknown" },
  { line: "ERROR: Job failed: exit code 137", rule: "gitlab-runner/exit-code-137", category: "oom" },
  { line: "ERROR: Job failed: exit code 124", rule: "gitlab-runner/exit-code-124", category: "timeout" },
  {
    line: "ERROR: Job failed: execution took longer than 1h0m0s seconds",
    rule: "gitlab-runner/timeout",
    category: "timeout",
  },
  {
    line: "ERROR: Job failed (system failure): prepare environment: waiting for pod running: timed out waiting for pod to start",
    rule: "gitlab-runner/system-failure",
    category: "infra",
  },
  { line: "ERROR: Job failed: canceled", rule: "gitlab-runner/canceled", category: "infra" },
  {
    line: "ERROR: Preparation failed: Error response from daemon: toomanyrequests: You have reached your pull rate limit.",
    rule: "gitlab-runner/preparation-failed",
    category: "infra",
  },
  // Out of memory
  {
    line: "FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory",
    rule: "oom-node/heap-out-of-memory",
    category: "oom",
  },
  {
    line: "RuntimeError: CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 15.78 GiB total capacity; 14.21 GiB already allocated)",
    rule: "oom-python/cuda-out-of-memory",
    category: "oom",
  },
  { line: "    Reason:       OOMKilled", rule: "oom-system/oomkilled", category: "oom" },
  { line: "Killed", rule: "oom-system/killed", category: "oom" },
  {
    line: "[12345.678901] Out of memory: Killed process 4242 (node) total-vm:8123456kB, anon-rss:7654321kB",
    rule: "oom-system/kernel-oom-killer",
    category: "oom",
  },
  {
    line: 'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space',
    rule: "oom-jvm/out-of-memory-error",
    category: "oom",
  },
  { line: "Expiring Daemon because JVM heap space is exhausted", rule: "oom-jvm/gradle-daemon-heap", category: "oom" },
  { line: "fatal error: runtime: out of memory", rule: "oom-go/fatal-out-of-memory", category: "oom" },
  { line: "Error: std::bad_alloc", rule: "oom-cpp/bad-alloc", category: "oom" },
  // A `docker run` under make that the OOM killer ends: docker prints nothing, make prints this.
  { line: "make: *** [Makefile:12: integration] Error 137", rule: "oom-system/exit-137", category: "oom" },
  {
    line: '#12 ERROR: process "/bin/sh -c npm run build" did not complete successfully: exit code: 137',
    rule: "docker/build-step-killed",
    category: "oom",
  },
  // Waits that gave up
  {
    line: "2021/12/02 02:05:20 Timeout after 20s waiting on dependencies to become available: [tcp://db:5432]",
    rule: "wait-for-service/dockerize",
    category: "timeout",
  },
  // Network and registries
  { line: "npm ERR! code EAI_AGAIN", rule: "network/npm-network-code", category: "infra" },
  { line: "npm error code ETIMEDOUT", rule: "network/npm-network-code", category: "infra" },
  {
    line: "npm error network request to https://registry.example.invalid/react failed, reason: getaddrinfo EAI_AGAIN registry.example.invalid",
    rule: "network/npm-network-detail",
    category: "infra",
  },
  {
    line: "npm ERR! 503 Service Unavailable - GET https://registry.example.invalid/react",
    rule: "network/npm-network-detail",
    category: "infra",
  },
  {
    line: "npm error 429 Too Many Requests - GET https://registry.example.invalid/react",
    rule: "network/npm-network-detail",
    category: "infra",
  },
  { line: "Error: connect ETIMEDOUT 140.82.112.3:443", rule: "network/socket-error-code", category: "infra" },
  { line: "Error: read ECONNRESET", rule: "network/socket-error-code", category: "infra" },
  { line: "Error: socket hang up", rule: "network/socket-hang-up", category: "infra" },
  { line: "curl: (6) Could not resolve host: github.com", rule: "network/dns", category: "infra" },
  {
    line: "fatal: unable to access 'https://github.com/acme/app/': Could not resolve host: github.com",
    rule: "network/dns",
    category: "infra",
  },
  {
    line: "WARNING: Could not fetch URL https://pypi.org/simple/pip/: There was a problem confirming the ssl certificate: HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded with url: /simple/pip/ - skipping",
    rule: "pip/could-not-fetch-url",
    category: "infra",
  },
  {
    line: "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.github.com', port=443): Max retries exceeded with url: /repos/acme/app (Caused by NewConnectionError('Failed to establish a new connection'))",
    rule: "network/max-retries",
    category: "infra",
  },
  {
    line: 'error An unexpected error occurred: "https://yarn-registry.example.invalid/react: Request failed \\"502 Bad Gateway\\"".',
    rule: "network/http-5xx",
    category: "infra",
  },
  {
    line: "toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit",
    rule: "network/http-429",
    category: "infra",
  },
  {
    line: "Error: API rate limit exceeded for installation ID 123456.",
    rule: "network/api-rate-limit",
    category: "infra",
  },
  // Package managers
  { line: "npm ERR! Failed at the app@1.0.0 test script.", rule: "npm/legacy-lifecycle", category: "unknown" },
  { line: "npm error Lifecycle script `deploy` failed with error:", rule: "npm/lifecycle-other", category: "unknown" },
  {
    line: "npm error `npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync. Please update your lock file with `npm install` before continuing.",
    rule: "npm/lockfile-out-of-sync",
    category: "dependency",
  },
  {
    line: "error: The lockfile at `uv.lock` needs to be updated, but `--locked` was provided. To update the lockfile, run `uv lock`.",
    rule: "uv/lockfile-outdated",
    category: "dependency",
  },
  {
    line: "error Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`.",
    rule: "yarn/frozen-lockfile",
    category: "dependency",
  },
  {
    line: '\u2009ERR_PNPM_OUTDATED_LOCKFILE\u2009 Cannot install with "frozen-lockfile" because pnpm-lock.yaml is not up to date with package.json',
    rule: "pnpm/dependency-error",
    category: "dependency",
  },
  { line: "  × No solution found when resolving dependencies:", rule: "uv/no-solution", category: "dependency" },
  {
    line: "ERROR: Cannot install flask==3.0.0 and werkzeug==2.0.0 because these package versions have conflicting dependencies.",
    rule: "pip/resolution-impossible",
    category: "dependency",
  },
  // Compilers, type checkers, linters, formatters
  {
    line: "error TS18003: No inputs were found in config file '/repo/tsconfig.json'.",
    rule: "tsc/global-diagnostic",
    category: "typecheck",
  },
  { line: "Found 2 errors in the same file, starting at: src/a.ts:3", rule: "tsc/summary", category: "typecheck" },
  {
    line: "/repo/src/a.js:3:7: 'x' is assigned a value but never used. [Error/no-unused-vars]",
    rule: "eslint/unix",
    category: "lint",
  },
  { line: "src/app.py:1:8: F401 [*] `os` imported but unused", rule: "ruff/fixable-violation", category: "lint" },
  { line: "Would reformat: src/app.py", rule: "ruff/would-reformat", category: "format" },
  { line: "main.c:(.text+0x1e): undefined reference to `compute'", rule: "cc/undefined-reference", category: "build" },
  {
    line: "/usr/bin/ld: cannot find -lssl: No such file or directory",
    rule: "cc/library-not-found",
    category: "dependency",
  },
  { line: "make: *** No rule to make target 'install'.  Stop.", rule: "make/no-rule", category: "build" },
  { line: "make[2]: *** [Makefile:12: all] Error 2", rule: "make/recipe-failed", category: "unknown" },
  { line: "LINK : fatal error LNK1181: cannot open input file 'zlib.lib'", rule: "msvc/tool-error", category: "build" },
  {
    line: "main.go:12:2: strings.Title has been deprecated since Go 1.18 and an alternative has been available since Go 1.0 (SA1019)",
    rule: "staticcheck/issue",
    category: "lint",
  },
  {
    line: 'level=error msg="Timeout exceeded: try increasing it by passing --timeout option"',
    rule: "golangci-lint/timeout",
    category: "timeout",
  },
  // Tests
  { line: "  ● Test suite failed to run", rule: "jest/suite-failed-to-run", category: "test" },
  {
    line: "thread 'main' panicked at 'called `Option::unwrap()` on a `None` value', src/main.rs:4:37",
    rule: "cargo/panic-legacy",
    category: "test",
  },
  {
    line: "panic: runtime error: invalid memory address or nil pointer dereference",
    rule: "go/panic",
    category: "test",
  },
  {
    line: "main.go:5:2: no required module provides package github.com/acme/lib; to add it:",
    rule: "go/module-missing",
    category: "dependency",
  },
  { line: "ERROR tests/test_db.py::test_query - fixture 'db' not found", rule: "pytest/error", category: "test" },
  {
    line: "ImportError: DLL load failed while importing _C: The specified module could not be found.",
    rule: "python/dll-load-failed",
    category: "dependency",
  },
  // Containers, machines, CI servers, scanners
  {
    line: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
    rule: "docker/daemon-unreachable",
    category: "infra",
  },
  {
    line: 'ERROR: failed to solve: process "/bin/sh -c npm ci" did not complete successfully: exit code: 1',
    rule: "docker/build-step-failed",
    category: "build",
  },
  { line: "Error: ENOSPC: no space left on device, write", rule: "infra/no-space-left", category: "infra" },
  {
    line: "Build timed out (after 30 minutes). Marking the build as failed.",
    rule: "jenkins/build-timeout",
    category: "timeout",
  },
  { line: "9:41AM WRN leaks found: 2", rule: "security/gitleaks", category: "security" },
  { line: "error: 2 vulnerabilities found!", rule: "security/cargo-audit", category: "security" },
];

/** Lines a passing run prints: none may make the diagnosis say that the run failed. */
const NOT_FAILURES: readonly string[] = [
  "npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory.",
  "found 0 vulnerabilities",
  "3 vulnerabilities (1 moderate, 2 high)",
  "Tests:       5 passed, 5 total",
  "ok  \texample.com/pkg\t0.013s",
  "test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
  "========================= 12 passed, 1 skipped in 3.21s =========================",
  "ℹ fail 0",
  "# fail 0",
  "Successfully installed requests-2.31.0",
  "All matched files use Prettier code style!",
  "All checks passed!",
  "Success: no issues found in 12 source files",
  "✖ 1 problem (0 errors, 1 warning)",
  "##[warning]Node.js 20 actions are deprecated.",
  "compiled errorHandler.js in 12ms",
  "Job succeeded",
  "Finished: SUCCESS",
  "● docker.service - Docker Application Container Engine",
];

describe("builtin sentinel rules", () => {
  for (const ex of EXAMPLES) {
    it(`read ${JSON.stringify(ex.line.length > 90 ? ex.line.slice(0, 87) + "…" : ex.line)} with ${ex.rule}`, async () => {
      const d = classifyText(`${ex.line}\n`, await loadBuiltinRules());
      expect(d.findings[0]?.ruleId, d.summary).toBe(ex.rule);
      expect(d.category).toBe(ex.category);
    });
  }

  for (const line of NOT_FAILURES) {
    it(`do not call ${JSON.stringify(line)} a failure`, async () => {
      const d = classifyText(`${line}\n`, await loadBuiltinRules());
      expect(d.findings.filter((f) => f.classification === "Error" || f.classification === "Security")).toEqual([]);
      expect(d.status, d.summary).not.toBe("failed");
    });
  }
});
