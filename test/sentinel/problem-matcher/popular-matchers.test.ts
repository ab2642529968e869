/**
 * The matcher files popular setup actions ship (test/fixtures/problem-matchers, provenance in
 * sources.json) load and annotate real tool output the way the runner would.
 *
 * Where each line comes from is noted beside it. Corpus logs (/work/shared/log-corpus) downloaded
 * from GitHub carry a timestamp per line that the runner added after matching; it is removed
 * before matching, as is the corpus's own markup (test/support/log-corpus.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  parseProblemMatcherText,
  parseProblemMatchers,
  ProblemMatcherSet,
  resolveMatchPath,
  stripRunnerColorCodes,
  type ProblemMatch,
  type ProblemMatcherDefinition,
} from "../../../src/sentinel/problem-matcher/index.js";
import { readCorpusLog } from "../../support/log-corpus.js";

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures/problem-matchers");

interface Source {
  file: string;
  repo: string;
  path: string;
  commit: string;
}

const sources = (JSON.parse(readFileSync(path.join(FIXTURES, "sources.json"), "utf8")) as { files: Source[] }).files;

function load(file: string): ProblemMatcherDefinition[] {
  const { matchers, errors } = parseProblemMatcherText(readFileSync(path.join(FIXTURES, file), "utf8"), file);
  expect(errors).toEqual([]);
  return matchers;
}

function scan(definitions: readonly ProblemMatcherDefinition[], lines: readonly string[]): ProblemMatch[] {
  const set = new ProblemMatcherSet(definitions);
  return lines.map((line) => set.match(line)).filter((match): match is ProblemMatch => match !== null);
}

function corpusLines(name: string): string[] {
  return readCorpusLog(name)
    .text.split("\n")
    .map((line) => line.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z /, ""));
}

describe("the shipped matcher files", () => {
  it("are all listed in sources.json", () => {
    const onDisk = readdirSync(FIXTURES)
      .filter((name) => name !== "sources.json")
      .sort();
    expect(sources.map((source) => source.file).sort()).toEqual(onDisk);
  });

  it("are named <owner>__<repo>__<file>", () => {
    for (const source of sources) {
      expect(source.file).toBe(`${source.repo.replace("/", "__")}__${path.posix.basename(source.path)}`);
    }
  });

  const loadable = sources.map((source) => source.file).filter((file) => file !== "actions__setup-dotnet__csc.json");
  it.each(loadable)("%s loads with no errors", (file) => {
    expect(load(file).length).toBeGreaterThan(0);
  });

  it("actions__setup-dotnet__csc.json is reported because its (?<!MSB) lookbehind cannot run under RE2", () => {
    const text = readFileSync(path.join(FIXTURES, "actions__setup-dotnet__csc.json"), "utf8");
    const { matchers, errors } = parseProblemMatcherText(text, "csc.json");
    expect(matchers).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ path: "problemMatcher[0].pattern[0].regexp", code: "E_PATTERN_SYNTAX" });
    expect(errors[0]?.message).toContain("csc.json: problemMatcher[0].pattern[0].regexp");
  });
});

describe("actions/setup-node tsc.json", () => {
  it("annotates the three errors in reviewdog's tsc fixture and nothing else", () => {
    const matches = scan(load("actions__setup-node__tsc.json"), corpusLines("reviewdog-errorformat__tsc.in.txt"));
    expect(
      matches.map(({ file, line, column, severity, code, message }) => ({
        file,
        line,
        column,
        severity,
        code,
        message,
      })),
    ).toEqual([
      {
        file: "tsc.ts",
        line: 3,
        column: 13,
        severity: "error",
        code: "7006",
        message: "Parameter 'y' implicitly has an 'any' type.",
      },
      {
        file: "tsc.ts",
        line: 5,
        column: 12,
        severity: "error",
        code: "2345",
        message: "Argument of type 'boolean' is not assignable to parameter of type 'number | string'.",
      },
      { file: "tsc.ts", line: 11, column: 1, severity: "error", code: "2304", message: "Cannot find name 'error'." },
    ]);
  });

  it("also reads tsc's pretty file:line:col layout", () => {
    // The "Now" line quoted in actions/setup-node#152.
    const line =
      "src/commandHandler.ts:107:11 - error TS2322: Type 'Response<ReposGetCollaboratorPermissionLevelResponse>' is not assignable to type 'Response<CollaboratorPermissionLevel>'.";
    expect(scan(load("actions__setup-node__tsc.json"), [line])[0]).toMatchObject({
      file: "src/commandHandler.ts",
      line: 107,
      column: 11,
      code: "2322",
    });
  });
});

describe("actions/setup-node eslint-stylish.json", () => {
  it("annotates every problem under the file line in reviewdog's eslint fixture", () => {
    const matches = scan(
      load("actions__setup-node__eslint-stylish.json"),
      corpusLines("reviewdog-errorformat__eslint.in.txt"),
    );
    expect(matches).toHaveLength(7);
    expect(matches.every((m) => m.file === "/path/to/eslint.js")).toBe(true);
    expect(matches.map((m) => [m.line, m.column, m.severity, m.code])).toEqual([
      [2, 10, "error", "no-unused-vars"],
      [2, 18, "error", "no-unused-vars"],
      [3, 3, "error", "indent"],
      [3, 7, "error", "no-unused-vars"],
      [3, 11, "warning", "quotes"],
      [6, 5, "error", "no-unused-vars"],
      [6, 18, "error", "semi"],
    ]);
  });

  it("keeps the column padding in the message, as the runner does not trim it", () => {
    const [first] = scan(
      load("actions__setup-node__eslint-stylish.json"),
      corpusLines("reviewdog-errorformat__eslint.in.txt"),
    );
    // `(.*)\s\s+(.*)$`: the greedy message stops two spaces before the rule name.
    expect(first?.message).toBe("'unusedf' is defined but never used           ");
  });

  it("annotates the example in the runner's ADR 0276", () => {
    const lines = [
      "test.js",
      '  1:0   error  Missing "use strict" statement                 strict',
      "  5:10  error  'addOne' is defined but never used             no-unused-vars",
      "✖ 2 problems (2 errors, 0 warnings)",
    ];
    const matches = scan(load("actions__setup-node__eslint-stylish.json"), lines);
    expect(matches.map((m) => [m.file, m.line, m.column, m.code, m.message.trimEnd()])).toEqual([
      ["test.js", 1, 0, "strict", 'Missing "use strict" statement'],
      ["test.js", 5, 10, "no-unused-vars", "'addOne' is defined but never used"],
    ]);
  });
});

describe("actions/setup-node eslint-compact.json", () => {
  it("annotates all seven lines of reviewdog's eslint-compact fixture", () => {
    const matches = scan(
      load("actions__setup-node__eslint-compact.json"),
      corpusLines("reviewdog-errorformat__eslint-compact.in.txt"),
    );
    expect(matches).toHaveLength(7);
    expect(matches[0]).toMatchObject({
      file: "/path/to/eslint.js",
      line: 2,
      column: 10,
      severity: "error",
      code: "no-unused-vars",
      message: "'unusedf' is defined but never used.",
    });
    expect(matches[4]).toMatchObject({
      line: 3,
      column: 11,
      severity: "warning",
      code: "quotes",
      message: "Strings must use singlequote.",
    });
  });
});

describe("actions/setup-go matchers.json", () => {
  it("annotates the build error in gotestsum's build-failed output", () => {
    // gotestsum's fixture is `go test -json`; the Output fields are the lines `go test` prints.
    const lines = corpusLines("gotestsum__go-test-build-failed.out.txt")
      .filter((line) => line.startsWith("{"))
      .flatMap((line) => ((JSON.parse(line) as { Output?: string }).Output ?? "").split("\n").filter((l) => l !== ""));
    expect(scan(load("actions__setup-go__matchers.json"), lines)).toEqual([
      expect.objectContaining({
        file: "./directory_test.go",
        line: 321,
        column: 10,
        severity: "error",
        message: "undefined: assert.foo",
      }),
    ]);
  });

  it("does not annotate t.Log lines, which carry no column (actions/setup-go#422)", () => {
    expect(scan(load("actions__setup-go__matchers.json"), corpusLines("gotestsum__standard-verbose.out.txt"))).toEqual(
      [],
    );
  });

  // The "problem matcher regex pattern tests" in actions/setup-go __tests__/setup-go.test.ts. That
  // test trims file and message; the runner does not, so trailing spaces stay in the message.
  it.each([
    ["./main.go:13:2: undefined: fmt.Printl", "./main.go", 13, 2, "undefined: fmt.Printl"],
    ["../main.go:13:2: undefined: fmt.Printl", "../main.go", 13, 2, "undefined: fmt.Printl"],
    ["foo/main.go:13:2: undefined: fmt.Printl", "foo/main.go", 13, 2, "undefined: fmt.Printl"],
    ["/assert.go:4:1: missing return at end of function", "/assert.go", 4, 1, "missing return at end of function"],
    [
      "   ./assert.go:5:2: missing return at end of function   ",
      "./assert.go",
      5,
      2,
      "missing return at end of function   ",
    ],
    [
      "\t./assert.go:5:2: missing return at end of function   ",
      "./assert.go",
      5,
      2,
      "missing return at end of function   ",
    ],
    [".\\main.go:13:2: undefined: fmt.Printl", ".\\main.go", 13, 2, "undefined: fmt.Printl"],
    ["..\\main.go:13:2: undefined: fmt.Printl", "..\\main.go", 13, 2, "undefined: fmt.Printl"],
  ])("matches setup-go's own test line %j", (line, file, lineNumber, column, message) => {
    expect(scan(load("actions__setup-go__matchers.json"), [line])[0]).toMatchObject({
      file,
      line: lineNumber,
      column,
      message,
    });
  });
});

describe("astral-sh/setup-uv python.json (setup-python's traceback matcher)", () => {
  it("annotates nothing in a real traceback whose raise has no quoted literal", () => {
    // pytorch's run_test.py raises RuntimeError(failure.message + …): the second pattern needs ('…').
    expect(
      scan(load("astral-sh__setup-uv__python.json"), corpusLines("pytorch-test-infra__collection_syntaxerror.txt")),
    ).toEqual([]);
  });

  it("annotates a File line followed by a raise of a single-quoted literal", () => {
    // File line from the pytorch log above; the raise line is the one shape actions/setup-python#420
    // says this matcher handles: `raise Exception('single quotes')`.
    const lines = [
      '  File "/__w/pytorch/pytorch/test/run_test.py", line 2198, in run_tests',
      "    raise Exception('single quotes')",
    ];
    expect(scan(load("astral-sh__setup-uv__python.json"), lines)).toEqual([
      expect.objectContaining({
        file: "/__w/pytorch/pytorch/test/run_test.py",
        line: 2198,
        severity: "error",
        message: "single quotes",
      }),
    ]);
  });
});

describe("ammaraskar/gcc-problem-matcher gcc_matcher.json", () => {
  const matches = () =>
    scan(
      load("ammaraskar__gcc-problem-matcher__gcc_matcher.json"),
      corpusLines("pytorch-test-infra__compile_error.txt"),
    );

  it("annotates the one g++ error in a pytorch build log and none of its notes", () => {
    expect(matches()).toEqual([
      expect.objectContaining({
        file: "/__w/pytorch/pytorch/torch/csrc/profiler/kineto_metadata.cpp",
        line: 128,
        column: 26,
        severity: "error",
        message:
          "no matching function for call to ‘torch::autograd::profiler::{anonymous}::AddTensorboardFields::addMetadata(const libkineto::MetadataField<long int>&, long unsigned int&)’",
      }),
    ]);
  });

  it("resolves the container path against the job's workspace", () => {
    expect(resolveMatchPath(matches()[0]!, { workspaceRoots: ["/__w/pytorch/pytorch"] })).toBe(
      "torch/csrc/profiler/kineto_metadata.cpp",
    );
  });
});

describe("ammaraskar/msvc-problem-matcher msvc_matcher.json", () => {
  const matches = () =>
    scan(
      load("ammaraskar__msvc-problem-matcher__msvc_matcher.json"),
      corpusLines("pytorch-test-infra__msvc_compiler_error.txt"),
    );

  it("annotates the cl.exe errors of a pytorch Windows build", () => {
    const all = matches();
    expect(all.length).toBeGreaterThanOrEqual(11);
    expect(all.every((m) => m.severity === "error" && /^C\d{4}$/.test(m.code ?? ""))).toBe(true);
    expect(all[0]).toMatchObject({
      line: 253,
      code: "C2065",
      message: "'PTI_VIEW_COMMUNICATION': undeclared identifier",
    });
    expect(all[0]).not.toHaveProperty("column");
  });

  it("resolves a backslashed Windows path against a Windows workspace", () => {
    expect(resolveMatchPath(matches()[0]!, { workspaceRoots: ["C:\\actions-runner\\_work\\pytorch\\pytorch"] })).toBe(
      "third_party/kineto/libkineto/src/plugin/xpupti/XpuptiActivityApi.cpp",
    );
  });
});

describe("Rust matchers", () => {
  // rustc's output for the code in rust-lang/rust#148467 ("Current output"); one space before the
  // arrow because the snippet's line numbers have one digit.
  const rustc = ["error[E0384]: cannot assign twice to immutable variable `x`", " --> src/lib.rs:6:13", "  |"];
  const toolchain = () => load("actions-rust-lang__setup-rust-toolchain__rust.json");
  const r7kamura = () => load("r7kamura__rust-problem-matchers__matchers.json");

  it("setup-rust-toolchain's clippy matcher joins the message line and the arrow line", () => {
    expect(scan(toolchain(), rustc)).toEqual([
      expect.objectContaining({
        owner: "clippy",
        file: "src/lib.rs",
        line: 6,
        column: 13,
        severity: "error",
        code: "E0384",
        message: "cannot assign twice to immutable variable `x`",
      }),
    ]);
  });

  it("setup-rust-toolchain's clippy matcher reads rustc's ANSI colours, which the runner leaves in", () => {
    // Constructed, not captured: rustc's SGR codes around the same two lines.
    const coloured = [
      "\u001b[0m\u001b[1m\u001b[38;5;9merror[E0384]\u001b[0m\u001b[0m\u001b[1m: cannot assign twice to immutable variable `x`\u001b[0m",
      "\u001b[0m \u001b[0m\u001b[0m\u001b[1m\u001b[38;5;12m--> \u001b[0m\u001b[0msrc/lib.rs:6:13\u001b[0m",
    ];
    expect(coloured.map(stripRunnerColorCodes)).toEqual(coloured);
    expect(scan(toolchain(), coloured)[0]).toMatchObject({
      owner: "clippy",
      file: "src/lib.rs",
      line: 6,
      column: 13,
      code: "E0384",
    });
  });

  it("setup-rust-toolchain's rustfmt matcher warns on a rustfmt --check hunk", () => {
    // Quoted in rust-lang/rustfmt#3136.
    const lines = [
      "Diff in /home/travis/build/gnzlbg/ctest/src/lib.rs at line 721:",
      "             should_test: false,",
    ];
    expect(scan(toolchain(), lines)).toEqual([
      expect.objectContaining({
        owner: "rustfmt",
        severity: "warning",
        file: "/home/travis/build/gnzlbg/ctest/src/lib.rs",
        line: 721,
        message: "Diff in /home/travis/build/gnzlbg/ctest/src/lib.rs",
      }),
    ]);
  });

  it("only setup-rust-toolchain's rustfmt matcher reads rustfmt's newer file:line hunk header", () => {
    // The same hunk in the "filename:line" layout setup-rust-toolchain's CHANGELOG (1.10.1) describes.
    const line = "Diff in /home/travis/build/gnzlbg/ctest/src/lib.rs:721:";
    expect(scan(toolchain(), [line])[0]).toMatchObject({
      file: "/home/travis/build/gnzlbg/ctest/src/lib.rs",
      line: 721,
    });
    expect(scan(r7kamura(), [line])).toEqual([]);
  });

  it("r7kamura's panic matcher reads the pre-1.73 panic line but not the current one", () => {
    // The Rust Programming Language, ch. 9.1, before and after Rust 1.73 changed the layout.
    expect(scan(r7kamura(), ["thread 'main' panicked at 'crash and burn', src/main.rs:2:5"])[0]).toMatchObject({
      owner: "rust-panic",
      message: "crash and burn",
      file: "src/main.rs",
      line: 2,
      column: 5,
    });
    expect(scan(r7kamura(), ["thread 'main' panicked at src/main.rs:2:5:", "crash and burn"])).toEqual([]);
  });

  it("the matcher file added last wins the rustc error when both are registered", () => {
    const set = new ProblemMatcherSet(toolchain());
    set.add(r7kamura());
    const matches = rustc.map((line) => set.match(line)).filter((m) => m !== null);
    expect(matches).toEqual([expect.objectContaining({ owner: "rust-compiler", file: "src/lib.rs", line: 6 })]);

    const reversed = new ProblemMatcherSet(r7kamura());
    reversed.add(toolchain());
    expect(rustc.map((line) => reversed.match(line)).filter((m) => m !== null)).toEqual([
      expect.objectContaining({ owner: "clippy" }),
    ]);
  });
});

describe("the examples in the runner's ADR 0276", () => {
  it("annotates the msbuild lines with a file rooted at fromPath", () => {
    const { matchers, errors } = parseProblemMatchers(
      {
        problemMatcher: [
          {
            owner: "msbuild",
            pattern: [
              {
                regexp: "^\\s*([^:]+)\\((\\d+),(\\d+)\\): (error|warning) ([^:]+): (.*) \\[(.+)\\]$",
                file: 1,
                line: 2,
                column: 3,
                severity: 4,
                code: 5,
                message: 6,
                fromPath: 7,
              },
            ],
          },
        ],
      },
      "adr-0276",
    );
    expect(errors).toEqual([]);
    const lines = [
      "  Class1.cs(16,24): warning CS0612: 'ClassLibrary1.Helpers.MyHelper.Name' is obsolete [C:\\temp\\problemmatcher\\myproject\\ConsoleApp1\\ClassLibrary1\\ClassLibrary1.csproj]",
      "  Helpers\\MyHelper.cs(16,30): error CS1002: ; expected [C:\\temp\\problemmatcher\\myproject\\ConsoleApp1\\ClassLibrary1\\ClassLibrary1.csproj]",
      "    1 Warning(s)",
    ];
    const matches = scan(matchers, lines);
    expect(matches.map((m) => [m.file, m.line, m.column, m.severity, m.code, m.message])).toEqual([
      ["Class1.cs", 16, 24, "warning", "CS0612", "'ClassLibrary1.Helpers.MyHelper.Name' is obsolete"],
      ["Helpers\\MyHelper.cs", 16, 30, "error", "CS1002", "; expected"],
    ]);
    const root = { workspaceRoots: ["C:\\temp\\problemmatcher\\myproject"] };
    expect(matches.map((m) => resolveMatchPath(m, root))).toEqual([
      "ConsoleApp1/ClassLibrary1/Class1.cs",
      "ConsoleApp1/ClassLibrary1/Helpers/MyHelper.cs",
    ]);
  });

  it("splits flake8 codes into an error matcher and a warning matcher by default severity", () => {
    const location = { file: 1, line: 2, column: 3, code: 4, message: 5 };
    const { matchers } = parseProblemMatchers(
      {
        problemMatcher: [
          { owner: "flake8", pattern: [{ regexp: "^(.+):(\\d+):(\\d+): ([EF]\\d+) (.+)$", ...location }] },
          {
            owner: "flake8-warnings",
            severity: "warning",
            pattern: [{ regexp: "^(.+):(\\d+):(\\d+): (W\\d+) (.+)$", ...location }],
          },
        ],
      },
      "adr-0276",
    );
    const lines = [
      "./bootcamp/settings.py:156:80: E501 line too long (94 > 79 characters)",
      "./bootcamp/settings.py:165:5: F403 'from local_settings import *' used; unable to detect undefined names",
    ];
    expect(scan(matchers, lines).map((m) => [m.owner, m.severity, m.code])).toEqual([
      ["flake8", "error", "E501"],
      ["flake8", "error", "F403"],
    ]);
  });
});
