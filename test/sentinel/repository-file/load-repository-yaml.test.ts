import { describe, expect, it } from "vitest";
import {
  loadRepositoryJson,
  loadRepositoryYaml,
  loadRepositoryYamlDocuments,
  MAX_PROBLEMS_PER_FILE,
  type FileProblem,
  type LoadedDocument,
} from "../../../src/sentinel/index.js";

function problems(loaded: LoadedDocument | { readonly errors: readonly FileProblem[] }): readonly FileProblem[] {
  return "errors" in loaded ? loaded.errors : [];
}

const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${i}: 1`);

describe("the repository-file loader", () => {
  it("returns one document's value, with the line of each path", () => {
    const loaded = loadRepositoryYaml("mode: propose\nlogs:\n  maxBytes: 2048\n", { file: "c.yml", kind: "config" });
    expect("errors" in loaded).toBe(false);
    if ("errors" in loaded) return;
    expect(loaded.value).toEqual({ mode: "propose", logs: { maxBytes: 2048 } });
    expect(loaded.locate(["logs", "maxBytes"])).toMatchObject({ line: 3 });
  });

  it("reads an empty file as no value and no problem", () => {
    expect(loadRepositoryYaml("", { file: "c.yml", kind: "config" })).toMatchObject({ value: undefined });
  });

  it.each([
    ["config", 64 * 1024],
    ["recipe", 64 * 1024],
    ["rules", 1024 * 1024],
  ] as const)("refuses a %s over %i bytes before any parser sees it", (kind, max) => {
    const text = "# " + "x".repeat(max - 1);
    expect(problems(loadRepositoryYaml(text, { file: "f.yml", kind }))).toEqual([
      expect.objectContaining({ file: "f.yml", code: "E_FILE_TOO_LARGE" }),
    ]);
    expect(problems(loadRepositoryYaml(text.slice(0, max - 1), { file: "f.yml", kind }))).toEqual([]);
  });

  it("counts the cap in UTF-8 bytes, as the forge does", () => {
    const text = "# " + "é".repeat(40 * 1024);
    expect(problems(loadRepositoryYaml(text, { file: "f.yml", kind: "config" }))[0]?.code).toBe("E_FILE_TOO_LARGE");
  });

  it("finds the repeated key among 40,000 with its line, through the linear check", () => {
    // yaml's own check (uniqueKeys: true) compares each key with all before it: 30 s for this.
    const text = [...keys(40_000), "k7: 2"].join("\n");
    expect(problems(loadRepositoryYamlDocuments(text, { file: "r.yml", kind: "rules" }))).toEqual([
      {
        file: "r.yml",
        line: 40_001,
        column: 1,
        code: "E_YAML_DUPLICATE_KEY",
        message: 'Map keys must be unique: "k7" appears twice',
      },
    ]);
  });

  it.each([
    ["flow", "a: " + "[".repeat(20_000) + "]".repeat(20_000)],
    ["block", "a:\n" + "- ".repeat(20_000) + "x"],
  ])("refuses %s collections nested deeper than 64 levels before yaml's recursive composer sees them", (_, text) => {
    expect(problems(loadRepositoryYaml(text, { file: "c.yml", kind: "config" }))).toEqual([
      expect.objectContaining({ code: "E_YAML_TOO_DEEP" }),
    ]);
  });

  it("survives deep files one after another (yaml alone has aborted the process on the second)", () => {
    for (const depth of [5_000, 10_000, 20_000]) {
      const text = "a: " + "[".repeat(depth) + "]".repeat(depth);
      expect(problems(loadRepositoryYaml(text, { file: "c.yml", kind: "config" }))[0]?.code).toBe("E_YAML_TOO_DEEP");
    }
  });

  it("accepts nesting up to the cap", () => {
    const text = "a: " + "[".repeat(63) + "]".repeat(63);
    expect(problems(loadRepositoryYaml(text, { file: "c.yml", kind: "config" }))).toEqual([]);
  });

  it("refuses an alias bomb instead of expanding it", () => {
    const levels = [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      ...Array.from(
        { length: 8 },
        (_, i) => `${"bcdefghi"[i]}: &${"bcdefghi"[i]} [${Array(10).fill(`*${"abcdefgh"[i]}`).join(", ")}]`,
      ),
    ];
    expect(problems(loadRepositoryYaml(levels.join("\n"), { file: "c.yml", kind: "config" }))[0]?.code).toBe(
      "E_YAML_ALIASES",
    );
  });

  it("reports an unknown tag as an error, not a string", () => {
    expect(problems(loadRepositoryYaml("mode: !!js/function 'x'\n", { file: "c.yml", kind: "config" }))).toEqual([
      expect.objectContaining({ line: 1, code: "E_YAML_SYNTAX" }),
    ]);
  });

  it("refuses a second document in a config", () => {
    expect(
      problems(loadRepositoryYaml("mode: diagnose\n---\nmode: push\n", { file: "c.yml", kind: "config" })),
    ).toEqual([expect.objectContaining({ line: 2, code: "E_YAML_TOO_MANY_DOCUMENTS" })]);
  });

  it("refuses a rule file of more than 100 documents", () => {
    const text = Array.from({ length: 101 }, () => "id: x").join("\n---\n");
    expect(loadRepositoryYamlDocuments(text, { file: "r.yml", kind: "rules" }).errors[0]?.code).toBe(
      "E_YAML_TOO_MANY_DOCUMENTS",
    );
  });

  it("keeps the good documents of a rule file and reports the bad one", () => {
    const { documents, errors } = loadRepositoryYamlDocuments("id: a\n---\nid: b\nid: c\n---\nid: d\n", {
      file: "r.yml",
      kind: "rules",
    });
    expect(documents.map((d) => d.value)).toEqual([{ id: "a" }, { id: "d" }]);
    expect(errors).toEqual([expect.objectContaining({ line: 4, code: "E_YAML_DUPLICATE_KEY" })]);
  });

  it("reports the first 50 problems of a file and how many more there are", () => {
    const text = Array.from({ length: 200 }, (_, i) => `m${i}: {a: 1, a: 2}`).join("\n");
    const found = problems(loadRepositoryYaml(text, { file: "c.yml", kind: "config" }));
    expect(found).toHaveLength(MAX_PROBLEMS_PER_FILE + 1);
    expect(found.at(-1)).toMatchObject({
      code: "E_TOO_MANY_PROBLEMS",
      message: expect.stringContaining("150 more problems"),
    });
  });
});

describe("the repository JSON loader", () => {
  it("accepts the comments and trailing commas the Actions runner accepts", () => {
    expect(
      loadRepositoryJson('{ // matchers\n "problemMatcher": [],\n}', { file: "m.json", kind: "rules" }),
    ).toMatchObject({ value: { problemMatcher: [] } });
  });

  it("reports invalid JSON with the parser's reason", () => {
    expect(problems(loadRepositoryJson('{\n"a": 1,\n"b": }', { file: "m.json", kind: "rules" }))).toEqual([
      expect.objectContaining({
        code: "E_JSON_SYNTAX",
        message: expect.stringContaining("not valid JSON: Unexpected token"),
      }),
    ]);
  });

  it("refuses arrays nested deeper than 64 levels", () => {
    expect(
      problems(loadRepositoryJson("[".repeat(100_000) + "]".repeat(100_000), { file: "m.json", kind: "rules" }))[0]
        ?.code,
    ).toBe("E_JSON_TOO_DEEP");
  });

  it("refuses a file over the rule-file cap", () => {
    expect(
      problems(loadRepositoryJson(`"${"x".repeat(1024 * 1024)}"`, { file: "m.json", kind: "rules" }))[0]?.code,
    ).toBe("E_FILE_TOO_LARGE");
  });
});
