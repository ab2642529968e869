import { describe, expect, it } from "vitest";
import { checkHeadFiles, type HeadFileReader } from "../../src/ingest/validate-config-change.js";

const CONFIG = ".gitlab/sentinel.yml";
const HEAD = "f".repeat(40);

/** A GitLab project whose pull request changes `head` files (read at HEAD); the default branch has `base`. */
function project(base: Record<string, string>, head: Record<string, string>): HeadFileReader {
  return {
    configPath: CONFIG,
    readConfig: async () => ({ path: CONFIG, text: base[CONFIG] ?? null }),
    readFile: async (path, ref) => (ref === HEAD ? head[path] : base[path]) ?? null,
    changedFiles: async () => Object.keys(head),
  };
}

const manyKeys = (n: number) => Array.from({ length: n }, (_, i) => `k${i}: 1`).join("\n");
const codes = (problems: ReadonlyArray<{ message: string }>) => problems.map((p) => p.message.split(":")[0]);

describe("a pull request's Sentinel files, checked at its head", () => {
  it("refuses a config of 40,000 keys by its size, unparsed", async () => {
    const { problems } = await checkHeadFiles(project({}, { [CONFIG]: `mode: propose\n${manyKeys(40_000)}` }), 1, HEAD);
    expect(problems).toEqual([
      {
        path: CONFIG,
        message: expect.stringMatching(
          /^E_FILE_TOO_LARGE: the file is \d+ bytes; Sentinel reads a config of up to 65536 bytes/,
        ),
        severity: "error",
      },
    ]);
  });

  it("finds a repeated key among 6,000 in a config under the cap, with its line, through the linear check", async () => {
    const { problems } = await checkHeadFiles(project({}, { [CONFIG]: `${manyKeys(6_000)}\nk42: 2\n` }), 1, HEAD);
    expect(problems).toEqual([
      {
        path: CONFIG,
        line: 6_001,
        message: 'E_YAML_DUPLICATE_KEY: Map keys must be unique: "k42" appears twice',
        severity: "error",
      },
    ]);
  });

  it("refuses a config nested 30,000 levels deep before yaml composes it", async () => {
    const { problems } = await checkHeadFiles(
      project({}, { [CONFIG]: "mode: " + "[".repeat(30_000) + "]".repeat(30_000) }),
      1,
      HEAD,
    );
    expect(codes(problems)).toEqual(["E_YAML_TOO_DEEP"]);
  });

  it("reports a config's schema errors at their lines", async () => {
    const { problems } = await checkHeadFiles(
      project({}, { [CONFIG]: "mode: diagnose\nlogs:\n  maxBytes: lots\n" }),
      1,
      HEAD,
    );
    expect(problems).toEqual([
      {
        path: CONFIG,
        line: 3,
        message: expect.stringMatching(/^E_CONFIG_SCHEMA: logs\.maxBytes: /),
        severity: "error",
      },
    ]);
  });

  it("refuses a recipe of 40,000 keys by its size, unparsed", async () => {
    const config = "fix:\n  recipes: [.gitlab/recipes/ours.yml]\n";
    const { checked, problems } = await checkHeadFiles(
      project({ [CONFIG]: config }, { ".gitlab/recipes/ours.yml": `id: ours\n${manyKeys(40_000)}` }),
      1,
      HEAD,
    );
    expect(checked).toEqual([".gitlab/recipes/ours.yml"]);
    expect(problems).toEqual([
      {
        path: ".gitlab/recipes/ours.yml",
        message: expect.stringMatching(/^E_FILE_TOO_LARGE: .* a recipe of up to 65536 bytes/),
        severity: "error",
      },
    ]);
  });

  it("finds a repeated key among 6,000 in a recipe under the cap, through the linear check", async () => {
    const config = "fix:\n  recipes: [.gitlab/recipes/ours.yml]\n";
    const { problems } = await checkHeadFiles(
      project({ [CONFIG]: config }, { ".gitlab/recipes/ours.yml": `${manyKeys(6_000)}\nk1: 2\n` }),
      1,
      HEAD,
    );
    expect(problems).toEqual([
      {
        path: ".gitlab/recipes/ours.yml",
        line: 6_001,
        message: expect.stringMatching(/^E_YAML_DUPLICATE_KEY: /),
        severity: "error",
      },
    ]);
  });

  it("refuses a rule whose pattern has no literal, at its line, saying to add a fixed word", async () => {
    const rule = "id: ours\nname: Ours\nmatchers:\n  - id: any\n    pattern: '^(\\w+): (.*)$'\n";
    const { problems } = await checkHeadFiles(project({}, { ".gitlab/sentinels/ours.yml": rule }), 1, HEAD);
    expect(problems).toEqual([
      {
        path: ".gitlab/sentinels/ours.yml",
        line: 5,
        message: expect.stringContaining("E_PATTERN_NO_LITERAL: ours/any: "),
        severity: "error",
      },
    ]);
    expect(problems[0]?.message).toContain("Add a fixed word the line must contain");
  });

  it("checks 20 of the rule files a pull request adds, and says how many it left", async () => {
    const rule = (i: number) => `id: r${i}\nname: R\nmatchers:\n  - id: m\n    pattern: 'error r${i}'\n`;
    const head = Object.fromEntries(
      Array.from({ length: 300 }, (_, i) => [`.gitlab/sentinels/r${String(i).padStart(3, "0")}.yml`, rule(i)]),
    );
    const { checked, problems } = await checkHeadFiles(project({}, head), 1, HEAD);
    expect(checked).toHaveLength(20);
    expect(problems).toEqual([
      {
        path: ".gitlab/sentinels/r020.yml",
        message: expect.stringContaining("280 more changed rule files not checked"),
        severity: "warning",
      },
    ]);
  });
});
