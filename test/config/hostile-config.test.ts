import { describe, expect, it } from "vitest";
import { effectiveMode, loadRepoConfig } from "../../src/config/index.js";
import type { ForgeClient } from "../../src/forge/index.js";

/** A GitLab project whose `.gitlab/sentinel.yml` is `text` (GitLab's config arrives as raw YAML). */
function projectWithConfig(text: string): ForgeClient {
  return { forge: "gitlab", repo: "group/hostile", readConfig: async () => ({ path: ".gitlab/sentinel.yml", text }), readFile: async () => null } as unknown as ForgeClient;
}

describe("a hostile repository config", () => {
  it("with a repeated key falls back to the defaults and says which key", async () => {
    const loaded = await loadRepoConfig(projectWithConfig("mode: propose\nmode: push\n"));
    expect(effectiveMode(loaded.config)).toBe("diagnose");
    expect(loaded.errors).toEqual(['.gitlab/sentinel.yml:2: E_YAML_DUPLICATE_KEY: Map keys must be unique: "mode" appears twice']);
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
    expect(loaded.errors).toEqual([expect.stringMatching(/^\.gitlab\/sentinel\.yml: E_FILE_TOO_LARGE: the file is \d+ bytes; Sentinel reads a config of up to 65536 bytes/)]);
  });

  it("whose ignore globs would backtrack as regexes is loaded, and its globs answer at once", async () => {
    const loaded = await loadRepoConfig(projectWithConfig(`ignore:\n  jobs: ["${"*a".repeat(30)}b", "${"?*".repeat(60)}!"]\n`));
    expect(loaded.errors).toEqual([]);
    const { globMatch } = await import("../../src/sentinel/engine/select-sentinels.js");
    expect(loaded.config.ignore.jobs.some((g) => globMatch(g, "a".repeat(400)))).toBe(false);
  });
});
