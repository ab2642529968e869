import { describe, expect, it } from "vitest";
import { resolveMatchPath } from "../../../src/sentinel/problem-matcher/index.js";

const linux = { workspaceRoots: ["/home/runner/work/repo/repo"] };
const windows = { workspaceRoots: ["D:\\a\\repo\\repo"] };

describe("resolveMatchPath", () => {
  it("makes an absolute path inside the checkout repository-relative", () => {
    expect(resolveMatchPath({ file: "/home/runner/work/repo/repo/src/a.ts" }, linux)).toBe("src/a.ts");
  });

  it("roots a relative path at the workspace and resolves dot segments", () => {
    expect(resolveMatchPath({ file: "./src/../lib/./b.ts" }, linux)).toBe("lib/b.ts");
  });

  it("drops a path outside every checkout", () => {
    expect(resolveMatchPath({ file: "/usr/include/stdio.h" }, linux)).toBeUndefined();
    expect(resolveMatchPath({ file: "../../elsewhere/c.ts" }, linux)).toBeUndefined();
  });

  it("drops a path that names a directory", () => {
    expect(resolveMatchPath({ file: "src/" }, linux)).toBeUndefined();
  });

  it("ignores fromPath when the file is already absolute", () => {
    expect(resolveMatchPath({ file: "/home/runner/work/repo/repo/a.cs", fromPath: "/other/p.csproj" }, linux)).toBe(
      "a.cs",
    );
  });

  it("ignores a fromPath that has no directory part", () => {
    expect(resolveMatchPath({ file: "a.cs", fromPath: "p.csproj" }, linux)).toBe("a.cs");
  });

  it("treats backslashes as separators and compares Windows paths ignoring case", () => {
    expect(resolveMatchPath({ file: "d:\\A\\repo\\repo\\src\\Program.cs" }, windows)).toBe("src/Program.cs");
    expect(resolveMatchPath({ file: "src\\Program.cs" }, windows)).toBe("src/Program.cs");
  });

  it("returns undefined for an empty file", () => {
    expect(resolveMatchPath({ file: "  " }, linux)).toBeUndefined();
    expect(resolveMatchPath({}, linux)).toBeUndefined();
  });

  it("gives up once the checkout is more directories up than the runner's failsafe allows", () => {
    const deep = `/home/runner/work/repo/repo/${"d/".repeat(51)}f.ts`;
    expect(resolveMatchPath({ file: deep }, linux)).toBeUndefined();
    expect(resolveMatchPath({ file: deep }, { ...linux, maxParentDirectories: 51 })).toBe(`${"d/".repeat(51)}f.ts`);
  });
});
