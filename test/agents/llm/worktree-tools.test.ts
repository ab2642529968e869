import { readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_WRITE_POLICY, READ_CAP_BYTES, worktreeTools } from "../../../src/agents/llm/index.js";
import { localRepo } from "../../support/git-repos.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function repo(files: Record<string, string> = {}) {
  const { dir } = localRepo({
    "src/add.js": "export const add = (a, b) => a - b;\n",
    ".github/workflows/ci.yml": "on: push\n",
    ...files,
  });
  dirs.push(dir);
  const tools = worktreeTools({
    worktree: dir,
    policy: DEFAULT_WRITE_POLICY,
    runCheck: () => Promise.resolve({ passed: true, summary: "passed" }),
  });
  return { dir, tools };
}

const FIX = [
  "--- a/src/add.js",
  "+++ b/src/add.js",
  "@@ -1 +1 @@",
  "-export const add = (a, b) => a - b;",
  "+export const add = (a, b) => a + b;",
  "",
].join("\n");

describe("read_file", () => {
  it("returns a repository file as labelled data", async () => {
    const { tools } = repo();
    const out = await tools.call("read_file", { path: "src/add.js" });
    expect(out).toMatchObject({ ok: true, data: { label: "file src/add.js", text: expect.stringContaining("a - b") } });
  });

  it.each([["../outside.txt"], ["src/../../outside.txt"], ["/etc/passwd"], [".git/config"]])(
    "refuses %s, which is outside the worktree or git's own",
    async (requested) => {
      const { tools } = repo();
      expect(await tools.call("read_file", { path: requested })).toMatchObject({ ok: false });
    },
  );

  it("refuses a symlink whose target leaves the worktree", async () => {
    const { dir, tools } = repo();
    symlinkSync(tmpdir(), path.join(dir, "escape"));
    expect(await tools.call("read_file", { path: "escape/anything" })).toMatchObject({
      ok: false,
      error: expect.stringContaining("symlink"),
    });
  });

  it("caps what it returns and says the file was truncated", async () => {
    const { tools } = repo({ "big.txt": "x".repeat(READ_CAP_BYTES + 10) });
    const out = await tools.call("read_file", { path: "big.txt" });
    expect(out.ok && out.data?.text.length).toBe(READ_CAP_BYTES);
    expect(out.ok && out.note).toContain("truncated");
  });
});

describe("search", () => {
  it("finds a literal string in tracked files as path:line:text", async () => {
    const { tools } = repo();
    const out = await tools.call("search", { query: "a - b" });
    expect(out.ok && out.data?.text).toBe("src/add.js:1:export const add = (a, b) => a - b;");
  });

  it("treats the query as a literal, not a regular expression", async () => {
    const { tools } = repo();
    const out = await tools.call("search", { query: "(a+)+$" });
    expect(out.ok && out.data?.text).toBe("(no match)");
  });
});

describe("apply_patch", () => {
  it("applies a unified diff in the worktree and names the files it changed", async () => {
    const { dir, tools } = repo();
    expect(await tools.call("apply_patch", { diff: FIX })).toMatchObject({ ok: true, files: ["src/add.js"] });
    expect(readFileSync(path.join(dir, "src/add.js"), "utf8")).toContain("a + b");
  });

  it("refuses a diff that edits .github/workflows and leaves the file as it was", async () => {
    const { dir, tools } = repo();
    const diff = [
      "--- a/.github/workflows/ci.yml",
      "+++ b/.github/workflows/ci.yml",
      "@@ -1 +1 @@",
      "-on: push",
      "+on: [push, pull_request_target]",
      "",
    ].join("\n");
    expect(await tools.call("apply_patch", { diff })).toMatchObject({
      ok: false,
      error: expect.stringContaining("protected"),
    });
    expect(readFileSync(path.join(dir, ".github/workflows/ci.yml"), "utf8")).toBe("on: push\n");
  });

  it("refuses the whole diff when one of its files is protected", async () => {
    const { dir, tools } = repo();
    const workflow = [
      "--- a/.github/workflows/ci.yml",
      "+++ b/.github/workflows/ci.yml",
      "@@ -1 +1 @@",
      "-on: push",
      "+on: pull_request_target",
      "",
    ];
    expect(await tools.call("apply_patch", { diff: FIX + workflow.join("\n") })).toMatchObject({ ok: false });
    expect(readFileSync(path.join(dir, "src/add.js"), "utf8")).toContain("a - b");
  });

  it("refuses a rename that moves a workflow out of .github, which deletes it there", async () => {
    const { dir, tools } = repo();
    const diff = [
      "diff --git a/.github/workflows/ci.yml b/src/ci.yml",
      "similarity index 100%",
      "rename from .github/workflows/ci.yml",
      "rename to src/ci.yml",
      "",
    ].join("\n");
    expect(await tools.call("apply_patch", { diff })).toMatchObject({
      ok: false,
      error: expect.stringContaining("protected"),
    });
    expect(readFileSync(path.join(dir, ".github/workflows/ci.yml"), "utf8")).toBe("on: push\n");
  });

  it("refuses a path outside the run's allowed set", async () => {
    const { dir } = repo();
    const tools = worktreeTools({
      worktree: dir,
      policy: { ...DEFAULT_WRITE_POLICY, allowed: ["test/"] },
      runCheck: () => Promise.resolve({ passed: true, summary: "" }),
    });
    expect(await tools.call("apply_patch", { diff: FIX })).toMatchObject({
      ok: false,
      error: expect.stringContaining("outside"),
    });
  });

  it("refuses a diff that writes through a symlink leaving the worktree", async () => {
    const { dir, tools } = repo();
    const outside = localRepo({ "target.txt": "outside\n" }).dir;
    dirs.push(outside);
    symlinkSync(outside, path.join(dir, "link"));
    const diff = ["--- a/link/target.txt", "+++ b/link/target.txt", "@@ -1 +1 @@", "-outside", "+changed", ""].join(
      "\n",
    );
    expect(await tools.call("apply_patch", { diff })).toMatchObject({
      ok: false,
      error: expect.stringContaining("symlink"),
    });
    expect(readFileSync(path.join(outside, "target.txt"), "utf8")).toBe("outside\n");
  });

  it("refuses a diff that creates a symlink", async () => {
    const { tools } = repo();
    const diff = [
      "diff --git a/l b/l",
      "new file mode 120000",
      "--- /dev/null",
      "+++ b/l",
      "@@ -0,0 +1 @@",
      "+/etc/passwd",
      "\\ No newline at end of file",
      "",
    ].join("\n");
    expect(await tools.call("apply_patch", { diff })).toMatchObject({
      ok: false,
      error: expect.stringContaining("symlink"),
    });
  });

  it("refuses a diff that adds a submodule", async () => {
    const { tools } = repo();
    const diff = [
      "diff --git a/vendor/x b/vendor/x",
      "new file mode 160000",
      "index 0000000..1111111",
      "--- /dev/null",
      "+++ b/vendor/x",
      "@@ -0,0 +1 @@",
      "+Subproject commit 1111111111111111111111111111111111111111",
      "",
    ].join("\n");
    expect(await tools.call("apply_patch", { diff })).toMatchObject({
      ok: false,
      error: expect.stringContaining("submodule"),
    });
  });

  it("says why git refused a diff that does not apply", async () => {
    const { dir, tools } = repo();
    writeFileSync(path.join(dir, "src/add.js"), "something else\n");
    expect(await tools.call("apply_patch", { diff: FIX })).toMatchObject({
      ok: false,
      error: expect.stringContaining("git apply"),
    });
  });
});

describe("run_check", () => {
  it("returns the injected check's diagnosis summary as data", async () => {
    const { tools } = repo();
    expect(await tools.call("run_check", {})).toMatchObject({
      ok: true,
      check: { passed: true },
      data: { text: "passed" },
    });
  });
});
