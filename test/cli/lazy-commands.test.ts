import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * `sentinel --version`, `--help` and `classify` must not load the server (Probot, BullMQ, pg,
 * PGlite, Slack): declaring the command tree imports commander, core and the CLI's own modules
 * only, and each command imports what it runs inside its action (`await import(…)`). Held here
 * on the sources' static imports, so the test times nothing.
 */

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src");
const ENTRY = path.join(SRC, "cli/main.ts");

/** Value imports and re-exports (`import type`, `export type` and `import(…)` load nothing up front). */
function staticImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+"([^"]+)"/gms)) specifiers.push(m[1]!);
  for (const m of text.matchAll(/^import\s+"([^"]+)"/gm)) specifiers.push(m[1]!);
  return specifiers;
}

/** Every module `main.ts` loads before a command runs: relative files followed, packages listed as named. */
function loadedAtStart(): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith(".")) visit(path.resolve(path.dirname(file), spec).replace(/\.js$/, ".ts"));
      else packages.add(spec);
    }
  };
  visit(ENTRY);
  return { files: [...files].map((f) => path.relative(SRC, f)).sort(), packages: [...packages].sort() };
}

describe("the sentinel command tree", () => {
  it("loads only the CLI's and core's own modules before a command runs", () => {
    const outside = loadedAtStart().files.filter((f) => !f.startsWith("cli/") && !f.startsWith("core/"));
    expect(outside).toEqual([]);
  });

  it("loads no package but commander and Node's own before a command runs", () => {
    const foreign = loadedAtStart().packages.filter((p) => p !== "commander" && !p.startsWith("node:"));
    expect(foreign).toEqual([]);
  });

  it("still reaches every command's module (the walk follows imports)", () => {
    const { files } = loadedAtStart();
    for (const command of ["classify", "watch", "validate", "fix", "tiers", "audit", "schema", "serve"])
      expect(files).toContain(`cli/${command}-command.ts`);
  });
});
