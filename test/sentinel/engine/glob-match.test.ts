import { describe, expect, it } from "vitest";
import { globMatch } from "../../../src/core/index.js";

describe("job, command and path globs", () => {
  it("match the whole string, with * for any run of characters and ? for one", () => {
    expect(globMatch("lint*", "lint (ubuntu)")).toBe(true);
    expect(globMatch("lint*", "pre-lint")).toBe(false);
    expect(globMatch("test ?", "test 3")).toBe(true);
    expect(globMatch("test ?", "test 10")).toBe(false);
    expect(globMatch("*", "")).toBe(true);
    expect(globMatch("", "x")).toBe(false);
    expect(globMatch("src/*.rs", "src/a/b.rs")).toBe(true);
  });

  it("ignore case", () => {
    expect(globMatch("Build*", "build (macOS)")).toBe(true);
  });

  it("treat regex characters as themselves", () => {
    expect(globMatch("a.b(c)+[d]", "a.b(c)+[d]")).toBe(true);
    expect(globMatch("a.b", "axb")).toBe(false);
    expect(globMatch(".github/actions/*", ".github/actions/x/action.yml")).toBe(true);
  });

  it("answer a repository's hostile glob against a long name without backtracking for ages", () => {
    // As a regex (^.*a.*a…b$) these take minutes on a 400-character name that has no b.
    const name = "a".repeat(400);
    expect(globMatch("*a".repeat(30) + "b", name)).toBe(false);
    expect(globMatch("?*".repeat(60) + "!", name)).toBe(false);
    expect(globMatch("*".repeat(5000) + "a", name)).toBe(true);
  });
});
