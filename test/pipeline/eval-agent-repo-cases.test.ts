import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repositoryCases, type EvalCase } from "../../bench/eval-agent/cases.js";

// bench/eval-agent/repo-cases.yml, read by the same code `npm run eval:agent` reads it with. The
// repositories themselves are not here (SENTINEL_EVAL_REPOS); what a case says about them is.

const cases = repositoryCases();
const repositoryOf = (c: EvalCase) => {
  if (c.source.kind !== "repository") throw new Error(`${c.id} is not a repository case`);
  return c.source;
};
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("eval:agent's repository cases (bench/eval-agent/repo-cases.yml)", () => {
  it("loads all seven through eval:agent's schema, each with an id of its own", () => {
    expect(cases).toHaveLength(7);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  it("pins each to a public repository at a full commit, with a defect of ours and the project's own command", () => {
    for (const c of cases) {
      const source = repositoryOf(c);
      expect(source.repo, c.id).toMatch(/^[\w.-]+\/[\w.-]+$/);
      expect(source.commit, c.id).toMatch(/^[0-9a-f]{40}$/);
      expect(source.defect.length, c.id).toBeGreaterThan(0);
      for (const e of source.defect) expect(e.replace, c.id).not.toBe(e.find);
      expect(c.command.trim(), c.id).not.toBe("");
      expect(c.needs.length, c.id).toBeGreaterThan(0);
    }
  });

  it("holds out the tests of each failing-test case, so a weakened test is not a fix", () => {
    const tests = cases.filter((c) => c.kind === "test");
    expect(tests.length).toBeGreaterThan(0);
    for (const c of tests) expect(c.held.length, c.id).toBeGreaterThan(0);
  });

  it("covers a failing test, a type error, a build error and a lint rule without an autofix", () => {
    expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(["test", "typecheck", "build", "lint"]));
  });

  it("scripts each for the scripted server: read a file, then a diff of the defect's files and the check", () => {
    for (const c of cases) {
      const turns = c.scripted?.turns ?? [];
      expect(turns.length, c.id).toBeGreaterThan(0);
      const calls = turns.flatMap((t) => (t.kind === "tool_calls" ? t.calls : []));
      expect(
        calls.map((call) => call.name),
        c.id,
      ).toEqual(["read_file", "apply_patch", "run_check"]);
      const diff = String(calls.find((call) => call.name === "apply_patch")!.arguments.diff);
      const patched = [...diff.matchAll(/^\+\+\+ b\/(.+)$/gm)].map((m) => m[1]);
      expect(patched.length, c.id).toBeGreaterThan(0);
      const defective = repositoryOf(c).defect.map((e) => e.file);
      for (const file of patched) expect(defective, c.id).toContain(file);
    }
  });

  it("refuses a file whose case leaves out its command", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sentinel-repo-cases-"));
    dirs.push(dir);
    const file = path.join(dir, "repo-cases.yml");
    writeFileSync(
      file,
      [
        "- id: no-command",
        "  kind: test",
        "  ecosystem: go",
        "  repo: acme/widget",
        `  commit: ${"a".repeat(40)}`,
        "  defect: [{ file: a.go, find: x, replace: y }]",
        "  scripted: { expect: fixed, turns: [{ message: done }] }",
        "",
      ].join("\n"),
    );
    expect(() => repositoryCases(file)).toThrow(/command/);
  });
});
