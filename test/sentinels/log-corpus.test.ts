import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { classifyText, loadBuiltinRules, type Diagnosis, type DiagnosisCategory } from "../../src/sentinel/index.js";
import { corpusNames, LOG_CORPUS_DIR, readCorpusLog } from "../support/log-corpus.js";

/**
 * The 30 real CI logs of the team's shared corpus (shared/log-corpus, beside the repository on
 * development machines), classified with the builtin sentinels. They are read from the copy in
 * test/fixtures/log-corpus, which runs anywhere (a CI checkout has no shared/ beside it); where
 * shared/log-corpus exists, the copy must match it. Each expectation was decided by reading the log; the
 * comment says why where it is not obvious. The corpus's in-band `#=SOURCE=#` / `#=MATCH=#`
 * markers are removed first (test/support/log-corpus.ts); the line PyTorch's classifier marks is
 * not always the one we name first (we name the first occurrence, or the root cause).
 */

const __dirname = path.dirname(fileURLToPath(import.meta.url));
const CORPUS_DIR = path.resolve(__dirname, "../../../shared/log-corpus");

interface Expectation {
  readonly category: DiagnosisCategory;
  readonly tool?: string;
  /** A substring of the diagnosis's firstErrorLine. */
  readonly firstErrorLine?: string;
}

const EXPECTED: Readonly<Record<string, Expectation>> = {
  // go test -json: the compile error is inside a build-output event's Output field.
  "gotestsum__go-test-build-failed.out.txt": { category: "build", tool: "go", firstErrorLine: "undefined: assert.foo" },
  // go test -json: `panic: test timed out after 1s` is go test's -timeout, a time limit.
  "gotestsum__go-test-json-panic-race-1.out.txt": {
    category: "timeout",
    tool: "go",
    firstErrorLine: "panic: test timed out after 1s",
  },
  "gotestsum__standard-verbose.out.txt": {
    category: "test",
    tool: "go",
    firstErrorLine: "--- FAIL: TestNestedParallelFailures",
  },
  // Jenkins: `./configure` finds no C compiler (the earlier `ERROR: Reference path does not exist` is harmless).
  "node-core-utils__no-compiler-error_osx1010-19307.txt": {
    category: "build",
    tool: "cc",
    firstErrorLine: "No acceptable C compiler found!",
  },
  // An upstream job's artifact is missing: CI plumbing, not the change.
  "pytorch-test-infra__artifact_not_found.txt": {
    category: "infra",
    tool: "github-actions",
    firstErrorLine: "Unable to download artifact(s): Artifact not found for name: manywheel-py3_10-cuda13_0",
  },
  // The ciflow tag the job checks out no longer exists on the remote.
  "pytorch-test-infra__checkout_ciflow_tag_missing.txt": {
    category: "infra",
    tool: "git",
    firstErrorLine: "couldn't find remote ref refs/tags/ciflow/b200/190903",
  },
  // Merge-conflict markers in a Python module: the test file fails to import.
  "pytorch-test-infra__collection_syntaxerror.txt": {
    category: "test",
    tool: "python",
    firstErrorLine: "SyntaxError: invalid decimal literal",
  },
  "pytorch-test-infra__compile_error.txt": {
    category: "build",
    tool: "cc",
    firstErrorLine: "kineto_metadata.cpp:128:26: error: no matching function for call to",
  },
  "pytorch-test-infra__cuda_oom_class.txt": { category: "oom", tool: "python", firstErrorLine: "CUDA out of memory" },
  // The job's container image tag does not exist: a dependency that is not there, like npm's E404.
  "pytorch-test-infra__docker_manifest_unknown.txt": {
    category: "dependency",
    tool: "docker",
    firstErrorLine: "manifest for python:3.14t not found",
  },
  "pytorch-test-infra__gh_api_rate_limit.txt": {
    category: "infra",
    tool: "network",
    firstErrorLine: "API rate limit exceeded",
  },
  "pytorch-test-infra__gha_cancellation_shutdown.txt": {
    category: "infra",
    tool: "github-actions",
    firstErrorLine: "The runner has received a shutdown signal",
  },
  "pytorch-test-infra__gha_operation_canceled.txt": {
    category: "infra",
    tool: "github-actions",
    firstErrorLine: "The operation was canceled.",
  },
  "pytorch-test-infra__gha_timeout.txt": {
    category: "timeout",
    tool: "github-actions",
    firstErrorLine: "The action 'Test' has timed out after 360 minutes",
  },
  // The runner's Kubernetes pod never came online (`backoff timeout` is the pod's, not the job's).
  "pytorch-test-infra__infra_osdc_pod_failure.txt": {
    category: "infra",
    tool: "runner",
    firstErrorLine: "pod failed to come online",
  },
  "pytorch-test-infra__lint_lintrunner.txt": {
    category: "lint",
    tool: "lintrunner",
    firstErrorLine: ">>> Lint for benchmarks/distributed/bench_symmetric_memory_all_gather.py:",
  },
  // clang-tidy crashed inside lintrunner: the lint job failed, through no lint message.
  "pytorch-test-infra__lintrunner_general_failure.txt": {
    category: "lint",
    tool: "lintrunner",
    firstErrorLine: "Error (CLANGTIDY_EXECUTORCH_COMPATIBILITY) Linter failed",
  },
  "pytorch-test-infra__msvc_compiler_error.txt": {
    category: "build",
    tool: "msvc",
    firstErrorLine: "XpuptiActivityApi.cpp(253): error C2065: 'PTI_VIEW_COMMUNICATION': undeclared identifier",
  },
  // ninja's FAILED line is all there is: the failing command is `CMAKE_CXX_COMPILER_CLANG_SCAN_DEPS-NOTFOUND`.
  "pytorch-test-infra__ninja_build_failed.txt": {
    category: "build",
    tool: "ninja",
    firstErrorLine: "FAILED: [code=127] third_party/fmt/CMakeFiles/fmt.dir/src/format.cc.o.ddi",
  },
  // pip's `Failed building wheel` follows from the CMake error in the wheel's build output above it.
  "pytorch-test-infra__pip_wheel_build_failure.txt": {
    category: "build",
    tool: "cmake",
    firstErrorLine: "CMake Error at",
  },
  "pytorch-test-infra__pytest_failure.txt": {
    category: "test",
    tool: "pytest",
    firstErrorLine: "distributed/test_c10d_spawn_gloo.py::TestDistributedNNFunctionsGloo::test_all_gather",
  },
  "pytorch-test-infra__python_importerror_missing_so.txt": {
    category: "dependency",
    tool: "python",
    firstErrorLine: "librocm_smi64.so.1: cannot open shared object file",
  },
  // pytest was interrupted after the wrapper's 30-minute limit (`Command took >30min, returning 124`).
  "pytorch-test-infra__python_test_keyboardinterrupt.txt": {
    category: "timeout",
    tool: "pytest",
    firstErrorLine: "KeyboardInterrupt",
  },
  // A test module fails at import (AttributeError); PyTorch's run_test.py reports the file as failed.
  "pytorch-test-infra__test_file_failed_wrapper.txt": {
    category: "test",
    tool: "pytorch-run-test",
    firstErrorLine: "test_cuda 1/1 failed!",
  },
  // uv cannot resolve raw.githubusercontent.com (`Caused by: dns error`).
  "pytorch-test-infra__uv_python_download_failed.txt": {
    category: "infra",
    tool: "uv",
    firstErrorLine: "Error while fetching remote python downloads json",
  },
  "reviewdog-errorformat__eslint-compact.in.txt": {
    category: "lint",
    tool: "eslint",
    firstErrorLine: "line 2, col 10, Error - 'unusedf' is defined but never used",
  },
  // Stylish: the problems are read by the eslint-stylish problem matcher; the `✖ 7 problems`
  // summary is never the first error line.
  "reviewdog-errorformat__eslint.in.txt": {
    category: "lint",
    tool: "eslint",
    firstErrorLine: "2:10  error    'unusedf' is defined but never used",
  },
  "reviewdog-errorformat__golangci-lint.in.txt": {
    category: "lint",
    tool: "golangci-lint",
    firstErrorLine: "fmts/fmt_test.go:42:21: Error return value of `bufout.WriteString` is not checked",
  },
  "reviewdog-errorformat__mypy.in.txt": {
    category: "typecheck",
    tool: "mypy",
    firstErrorLine: "/path/to/my/file.py:123: error: Error message!",
  },
  "reviewdog-errorformat__tsc.in.txt": {
    category: "typecheck",
    tool: "tsc",
    firstErrorLine: "tsc.ts(3,13): error TS7006",
  },
};

const names = corpusNames();

async function diagnose(name: string): Promise<Diagnosis> {
  return classifyText(readCorpusLog(name).text, await loadBuiltinRules());
}

describe("the shared log corpus", () => {
  it.skipIf(!existsSync(CORPUS_DIR))("is the same as shared/log-corpus beside the repository", () => {
    const shared = readdirSync(CORPUS_DIR)
      .filter((n) => n.endsWith(".txt"))
      .sort();
    expect(names).toEqual(shared);
    for (const name of shared) {
      expect(readFileSync(path.join(LOG_CORPUS_DIR, name), "utf8"), name).toBe(
        readFileSync(path.join(CORPUS_DIR, name), "utf8"),
      );
    }
  });

  it("holds the 30 logs this suite has an expectation for", () => {
    expect(names).toHaveLength(30);
    expect(names).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const name of names) {
    const want = EXPECTED[name];
    if (!want) continue;
    describe(name, () => {
      it(`is diagnosed as ${want.category}`, async () => {
        const d = await diagnose(name);
        expect(d.category, d.summary).toBe(want.category);
      });

      if (want.category === "unknown") {
        it("lists the last error-looking lines for a person to start from", async () => {
          const d = await diagnose(name);
          expect(d.lastErrorLines).not.toEqual([]);
        });
      }

      if (want.tool) {
        it(`names ${want.tool} as the tool`, async () => {
          expect((await diagnose(name)).tool).toBe(want.tool);
        });
      }

      if (want.firstErrorLine) {
        it(`points at the line with ${JSON.stringify(want.firstErrorLine)}`, async () => {
          expect((await diagnose(name)).firstErrorLine?.text).toContain(want.firstErrorLine);
        });
      }
    });
  }
});
