import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { classifyText, loadBuiltinRules, type Diagnosis } from "../../src/sentinel/index.js";

/**
 * The decisions the Python, docs and config-linter sentinels encode, on the real output recorded
 * by test/fixtures/tools/generate-pyx.sh. tool-fixtures.test.ts checks every case's category and
 * findings; these check what is easy to get wrong: which tool is named, and when a warning fails.
 */

const TOOLS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/tools");

async function diagnose(log: string, command?: string): Promise<Diagnosis> {
  const text = readFileSync(path.join(TOOLS_DIR, log), "utf8");
  return classifyText(text, await loadBuiltinRules(), command ? { command } : {});
}

function errorLevel(d: Diagnosis) {
  return d.findings.filter((f) => f.severity === "error");
}

describe("pylint", () => {
  it("fails the step on convention and refactor messages, which make pylint exit non-zero", async () => {
    const d = await diagnose("pylint/text.log");
    expect(d.status).toBe("failed");
    expect(d.firstErrorLine?.text).toContain("C0114");
  });

  it("passes a run rated 10.00/10", async () => {
    const d = await diagnose("pylint/passed.log");
    expect(d.status).toBe("passed");
  });
});

describe("Sphinx", () => {
  it("leaves a build without -W passed, docutils ERROR lines included, as Sphinx counts them as warnings", async () => {
    const d = await diagnose("sphinx/warnings.log", "sphinx-build -b html docs docs/_build/html");
    expect(d.status).toBe("passed");
    expect(d.findings.filter((f) => f.severity === "warning")).toHaveLength(4);
  });

  it("makes every warning an error when the command shows -W", async () => {
    const d = await diagnose(
      "sphinx/keep-going.log",
      "sphinx-build -W --keep-going -b html docs docs/_build/keep-going",
    );
    expect(d.firstErrorLine?.lineNumber).toBe(9);
    expect(errorLevel(d).filter((f) => f.file)).toHaveLength(4);
  });

  it("still fails a -W --keep-going log whose command is unknown, on its closing line", async () => {
    const d = await diagnose("sphinx/keep-going.log");
    expect(d.category).toBe("build");
    expect(d.firstErrorLine?.text).toBe("build finished with problems, 4 warnings.");
  });

  it("does not take a W elsewhere in the command (an output path) for -W", async () => {
    const d = await diagnose("sphinx/warnings.log", "sphinx-build -b html docs docs/_build/Web");
    expect(d.status).toBe("passed");
  });
});

describe("yamllint", () => {
  it("is named for its standard format, whose indented lines resemble ESLint's stylish output", async () => {
    const d = await diagnose("yamllint/standard.log");
    expect(d.tool).toBe("yamllint");
    expect(d.findings.map((f) => f.tool)).not.toContain("eslint");
  });

  it("fails on the first error, not on the warning above it", async () => {
    const d = await diagnose("yamllint/parsable.log");
    expect(d.firstErrorLine?.lineNumber).toBe(2);
  });
});

describe("ansible-lint", () => {
  it("keeps the rules listed in warn_list as warnings", async () => {
    const d = await diagnose("ansible-lint/default.log");
    const warnings = d.findings.filter((f) => f.severity === "warning").map((f) => f.code);
    expect(warnings).toEqual(["yaml[truthy]", "package-latest"]);
    expect(errorLevel(d)).toHaveLength(9);
  });
});

describe("ShellCheck", () => {
  it("keeps info comments below warnings and names the error first in the tty format", async () => {
    const d = await diagnose("shellcheck/tty.log");
    expect(d.findings.map((f) => [f.code, f.severity])).toEqual([
      ["SC2086", "notice"],
      ["SC2068", "error"],
      ["SC2164", "warning"],
      ["SC2162", "notice"],
      ["SC2034", "warning"],
    ]);
    expect(d.firstErrorLine?.text).toContain("SC2068");
  });
});
