import { describe, expect, it } from "vitest";
import { classifyText, loadBuiltinRules, type Finding } from "../../src/sentinel/index.js";

/**
 * Where a build error is, in the location forms the recorded fixtures do not show (the fixtures
 * under test/fixtures/tools/msbuild and gcc show the others). MSBuild's canonical error format
 * allows `(line)`, `(line-line)`, `(line,col)`, `(line,col-col)` and `(line,col,endLine,endCol)`,
 * a parallel build prefixes a node number, and some tools put a space before the location.
 */

async function firstFinding(line: string): Promise<Finding | undefined> {
  return classifyText(`${line}\n`, await loadBuiltinRules()).findings[0];
}

describe("an MSBuild-format error", () => {
  it("drops a parallel build's node prefix from the file", async () => {
    const f = await firstFinding(
      "     2>C:\\src\\Api\\Client.cs(253,5): error CS0103: The name 'retry' does not exist in the current context [C:\\src\\Api\\Api.csproj]",
    );
    expect(f).toMatchObject({ ruleId: "msvc/diagnostic", file: "C:/src/Api/Client.cs", line: 253, column: 5 });
    expect(f).toMatchObject({ code: "CS0103", message: "The name 'retry' does not exist in the current context" });
  });

  it("reads a location written after a space", async () => {
    const f = await firstFinding("src\\Api\\Client.cs (10): error CS1002: ; expected");
    expect(f).toMatchObject({ ruleId: "msvc/diagnostic", file: "src/Api/Client.cs", line: 10, code: "CS1002" });
  });

  it("takes the start of a column range", async () => {
    const f = await firstFinding("src/Client.cs(5,24-26): warning CS0168: The variable 'e' is declared but never used");
    expect(f).toMatchObject({ file: "src/Client.cs", line: 5, column: 24, severity: "warning" });
  });

  it("takes the start of a line range", async () => {
    const f = await firstFinding("src/Client.cs(5-7): error CS1513: } expected");
    expect(f).toMatchObject({ file: "src/Client.cs", line: 5, code: "CS1513" });
  });

  it("is not an error again where xbuild repeats it, tab-indented, in its summary", async () => {
    const f = await firstFinding(
      "\tProgram.cs(7,27): error CS0103: The name `Greet' does not exist in the current context",
    );
    expect(f).toMatchObject({ ruleId: "msvc/summary-repeat", classification: "Info", file: "Program.cs", line: 7 });
  });
});

describe("a linker's undefined reference", () => {
  it("names the source file when ld prints its own name on the same line", async () => {
    const f = await firstFinding("/usr/bin/ld: main.c:(.text+0x1e): undefined reference to `compute'");
    expect(f).toMatchObject({
      ruleId: "cc/undefined-reference",
      file: "main.c",
      message: "undefined reference to `compute'",
    });
    expect(f?.line).toBeUndefined();
  });

  it("finds nothing in the `in function` line above it, which is context", async () => {
    const f = await firstFinding(
      "/usr/bin/ld: /usr/lib/gcc/x86_64-linux-gnu/12/../../../x86_64-linux-gnu/Scrt1.o: in function `_start':",
    );
    expect(f).toBeUndefined();
  });
});
