import { describe, expect, it } from "vitest";
import { effectiveMode, loadRepoConfig, type ConfigReader } from "../../src/config/index.js";

/** A GitLab project whose `.gitlab/sentinel.yml` is `text` (GitLab's config arrives as raw YAML), with these other files. */
function projectWithConfig(text: string, files: Record<string, string> = {}): ConfigReader {
  return {
    readConfig: async () => ({ path: ".gitlab/sentinel.yml", text }),
    readFile: async (path) => files[path] ?? null,
  };
}

describe("a hostile repository config", () => {
  it("with a repeated key falls back to the defaults and says which key", async () => {
    const loaded = await loadRepoConfig(projectWithConfig("mode: propose\nmode: push\n"));
    expect(effectiveMode(loaded.config)).toBe("diagnose");
    expect(loaded.errors).toEqual([
      '.gitlab/sentinel.yml:2: E_YAML_DUPLICATE_KEY: Map keys must be unique: "mode" appears twice',
    ]);
  });

  it("with 5,000 keys is refused with the defaults, its keys checked for repeats in linear time", async () => {
    const text = ["mode: propose", ...Array.from({ length: 5_000 }, (_, i) => `k${i}: 1`)].join("\n");
    const loaded = await loadRepoConfig(projectWithConfig(text));
    expect(effectiveMode(loaded.config)).toBe("diagnose");
    expect(loaded.errors.join("\n")).toContain('Unrecognized keys: "k0"');
  });

  it("over 64 KiB is refused unparsed, with the defaults and the reason", async () => {
    const text = ["mode: propose", ...Array.from({ length: 20_000 }, (_, i) => `k${i}: 1`)].join("\n");
    const loaded = await loadRepoConfig(projectWithConfig(text));
    expect(effectiveMode(loaded.config)).toBe("diagnose");
    expect(loaded.errors).toEqual([
      expect.stringMatching(
        /^\.gitlab\/sentinel\.yml: E_FILE_TOO_LARGE: the file is \d+ bytes; Sentinel reads a config of up to 65536 bytes/,
      ),
    ]);
  });

  it("nested 30,000 levels deep is refused before yaml's recursive composer sees it", async () => {
    const loaded = await loadRepoConfig(projectWithConfig("mode: " + "[".repeat(30_000) + "]".repeat(30_000)));
    expect(effectiveMode(loaded.config)).toBe("diagnose");
    expect(loaded.errors).toEqual([expect.stringMatching(/^\.gitlab\/sentinel\.yml:1: E_YAML_TOO_DEEP: /)]);
  });

  it("with a schema error names its line", async () => {
    const loaded = await loadRepoConfig(projectWithConfig("mode: propose\nreport:\n  sticky: yes\n"));
    expect(loaded.errors).toEqual([
      expect.stringMatching(/^\.gitlab\/sentinel\.yml:3: E_CONFIG_SCHEMA: report: Unrecognized key: "sticky"/),
    ]);
  });

  it("naming a recipe of 40,000 keys gets it refused by its size, unparsed", async () => {
    const recipe = ["id: big", ...Array.from({ length: 40_000 }, (_, i) => `k${i}: 1`)].join("\n");
    const loaded = await loadRepoConfig(
      projectWithConfig("fix:\n  recipes: [.gitlab/recipes/big.yml]\n", { ".gitlab/recipes/big.yml": recipe }),
    );
    expect(loaded.errors).toEqual([
      expect.stringMatching(/^\.gitlab\/recipes\/big\.yml: E_FILE_TOO_LARGE: .* a recipe of up to 65536 bytes/),
    ]);
  });

  it("naming a rule file whose pattern has no literal gets that rule refused, and the builtins still load", async () => {
    const rules = "id: ours\nname: Ours\nmatchers:\n  - id: any\n    pattern: '(.+)'\n";
    const loaded = await loadRepoConfig(
      projectWithConfig("sentinels:\n  files: [.gitlab/sentinels/ours.yml]\n", { ".gitlab/sentinels/ours.yml": rules }),
    );
    expect(loaded.errors).toEqual([
      expect.stringMatching(/^\.gitlab\/sentinels\/ours\.yml:5: E_PATTERN_NO_LITERAL: ours\/any: /),
    ]);
    expect(loaded.rules.sentinels.find((s) => s.id === "ours")?.regexMatchers).toEqual([]);
    expect(loaded.rules.sentinels.length).toBeGreaterThan(30);
  });

  it("spreading big patterns over several rule files hits one instruction budget for them all", async () => {
    // 7 patterns of about 1,800 instructions a file: under the budget alone, over it together.
    const file = (n: number) =>
      `id: f${n}\nname: F\nmatchers:\n` +
      Array.from({ length: 7 }, (_, i) => `  - id: m${i}\n    pattern: 'error${i} (?:.{0,500})(?:\\w{0,400})'\n`).join(
        "",
      );
    const files = { ".gitlab/sentinels/a.yml": file(1), ".gitlab/sentinels/b.yml": file(2) };
    const loaded = await loadRepoConfig(
      projectWithConfig("sentinels:\n  files: [.gitlab/sentinels/a.yml, .gitlab/sentinels/b.yml]\n", files),
    );
    expect(loaded.errors.filter((e) => e.startsWith(".gitlab/sentinels/a.yml"))).toEqual([]);
    expect(
      loaded.errors.some((e) =>
        /^\.gitlab\/sentinels\/b\.yml:\d+: E_PATTERN_TOO_LONG: .* left of the 20000 that a repository's rule files may use together/.test(
          e,
        ),
      ),
    ).toBe(true);
  });

  it("whose ignore globs would backtrack as regexes is loaded, and its globs answer at once", async () => {
    const loaded = await loadRepoConfig(
      projectWithConfig(`ignore:\n  jobs: ["${"*a".repeat(30)}b", "${"?*".repeat(60)}!"]\n`),
    );
    expect(loaded.errors).toEqual([]);
    const { globMatch } = await import("../../src/core/index.js");
    expect(loaded.config.ignore.jobs.some((g) => globMatch(g, "a".repeat(400)))).toBe(false);
  });
});
