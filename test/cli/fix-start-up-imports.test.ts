import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// `sentinel fix` runs the pipeline on a laptop: no GitHub, no GitLab, no Redis, no PostgreSQL
// unless asked, no model unless configured. Loading those clients cost it about 0.9 s of its
// start-up (measured: importing fix-action took 1.4 s with them, 0.5 s without), so they load
// where they are first used. This walks the static imports a run loads before it starts.

const root = path.resolve(import.meta.dirname, "../..");

/** Packages only a deployment, a forge API call or a model call needs. */
const NOT_AT_START_UP = ["probot", "@octokit/", "@gitbeaker/", "ioredis", "bullmq", "pg", "openai", "pino-pretty"];

/** Value imports and re-exports of a TypeScript file (`import type` is erased, `import()` is lazy). */
function staticImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers: string[] = [];
  const statement =
    /^\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm;
  for (const m of text.matchAll(statement)) {
    if (m[5]) specifiers.push(m[5]);
    else if (!m[2]) specifiers.push(m[4]!);
  }
  return specifiers;
}

/** Every package `entry` loads statically, each with the chain of files that leads to it. */
function packagesLoadedBy(entry: string): Map<string, string[]> {
  const parent = new Map<string, string | null>([[entry, null]]);
  const packages = new Map<string, string[]>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const spec of staticImports(file)) {
      if (spec.startsWith("node:")) continue;
      if (spec.startsWith(".")) {
        const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, ".ts");
        if (!parent.has(target) && existsSync(target)) {
          parent.set(target, file);
          queue.push(target);
        }
        continue;
      }
      if (packages.has(spec)) continue;
      const chain: string[] = [];
      for (let f: string | null = file; f; f = parent.get(f) ?? null) chain.unshift(path.relative(root, f));
      packages.set(spec, chain);
    }
  }
  return packages;
}

describe("what `sentinel fix` loads before its run starts", () => {
  const loaded = packagesLoadedBy(path.join(root, "src/cli/fix-action.ts"));

  it("reaches the pipeline, the agents and the sentinel engine (the walk follows the real graph)", () => {
    const files = new Set([...loaded.values()].flat());
    expect([...files].some((f) => f.startsWith("src/pipeline/"))).toBe(true);
    expect([...files].some((f) => f.startsWith("src/agents/"))).toBe(true);
    expect([...files].some((f) => f.startsWith("src/sentinel/"))).toBe(true);
  });

  it("loads no forge API client, queue, Redis or PostgreSQL driver, model client or log prettifier", () => {
    const offending = [...loaded.entries()]
      .filter(([spec]) => NOT_AT_START_UP.some((p) => (p.endsWith("/") ? spec.startsWith(p) : spec === p)))
      .map(([spec, chain]) => `${spec}: ${chain.join(" -> ")}`);
    expect(offending).toEqual([]);
  });
});
