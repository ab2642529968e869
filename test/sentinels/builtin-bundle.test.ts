import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BUILTIN_SENTINELS_DIR, loadRuleFiles } from "../../src/sentinel/index.js";
import { readFileSync } from "node:fs";
import type { CompiledPattern } from "../../src/sentinel/regex/compile-pattern.js";
import { toRe2Syntax } from "../../src/sentinel/regex/compile-pattern.js";
import { planEngine, planToData, type EnginePlanData } from "../../src/sentinel/regex/engine-plan.js";
import { readBuiltinBundle, type BundleFile } from "../../src/sentinel/rules/builtin-bundle.js";
import { writeBuiltinBundle } from "../../src/sentinel/rules/write-builtin-bundle.js";
import type { CompiledSentinel } from "../../src/sentinel/rules/rule-set.js";

/**
 * The build parses the builtins' YAML once into a bundle (dist/sentinels.bundle.json) so the CLI
 * starts without reading it. Sentinels compiled from the bundle must be the ones the YAML gives.
 */

function scratch(): string {
  return mkdtempSync(path.join(tmpdir(), "sentinel-bundle-"));
}

/** A rule set as data: compiled patterns' closures drop out, their sources and literals stay. */
function asData(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

const RULE = (message: string) =>
  `id: demo\nname: Demo\ntool: demo\ncategory: test\nmatchers:\n  - id: fail\n    pattern: '^FAIL (?P<file>\\S+)$'\n    message: ${message}\n`;

describe("the builtin bundle", () => {
  it("compiles the builtins to the same sentinels as their YAML does", async () => {
    const out = path.join(scratch(), "bundle.json");
    await writeBuiltinBundle(BUILTIN_SENTINELS_DIR, out);
    const bundle = await readBuiltinBundle(out);
    expect(bundle).toBeDefined();
    const fromYaml = await loadRuleFiles([BUILTIN_SENTINELS_DIR], { origin: "builtin" });
    const fromBundle = await loadRuleFiles([BUILTIN_SENTINELS_DIR], { origin: "builtin", bundle: bundle! });
    expect(asData(fromBundle.sentinels)).toEqual(asData(fromYaml.sentinels));
    expect(fromBundle.issues.map((i) => i.code)).toEqual(fromYaml.issues.map((i) => i.code));
  });

  it("records for every builtin pattern the engine plan that compiling its source works out", async () => {
    const out = path.join(scratch(), "bundle.json");
    await writeBuiltinBundle(BUILTIN_SENTINELS_DIR, out);
    const bundle = JSON.parse(readFileSync(out, "utf8")) as BundleFile;
    const fromYaml = await loadRuleFiles([BUILTIN_SENTINELS_DIR], { origin: "builtin" });
    const expected = (p: CompiledPattern, syntax: "re2" | "javascript") =>
      planToData(planEngine(toRe2Syntax(p.source, syntax, "test"), p.ignoreCase));
    let checked = 0;
    let onV8 = 0;
    const check = (recorded: EnginePlanData | undefined, p: CompiledPattern, syntax: "re2" | "javascript") => {
      expect(recorded, p.source).toEqual(expected(p, syntax));
      checked++;
      if (recorded?.js) onV8++;
    };
    const yamlRules = new Map(
      fromYaml.sentinels.flatMap((s: CompiledSentinel) => s.regexMatchers.map((m) => [m.ruleId, m] as const)),
    );
    for (const entry of Object.values(bundle.files)) {
      if ("sentinels" in entry) {
        for (const s of entry.sentinels)
          for (const pm of s.problemMatchers)
            for (const p of pm.definition.patterns)
              check((p.regexp as { engine?: EnginePlanData }).engine, p.regexp, "javascript");
        continue;
      }
      for (const [ruleId, facts] of Object.entries(entry.rules)) {
        const m = yamlRules.get(ruleId);
        if (!m) continue; // (a disabled sentinel's rule: compiled at build time, never loaded)
        check(facts.pattern.engine, m.pattern, "re2");
        m.then?.forEach((t, i) => check(facts.then![i]!.engine, t.pattern, "re2"));
        if (m.end) check(facts.end!.engine, m.end, "re2");
      }
    }
    expect(checked).toBeGreaterThan(400);
    // Both kinds are covered: patterns V8 runs and patterns re2js runs behind filters.
    expect(onV8).toBeGreaterThan(0);
    expect(onV8).toBeLessThan(checked);
  });

  it("reads a rule file changed since the bundle was written from its YAML", async () => {
    const dir = scratch();
    const file = path.join(dir, "demo.yml");
    writeFileSync(file, RULE("built"));
    const out = path.join(dir, "bundle.json");
    await writeBuiltinBundle(dir, out);
    writeFileSync(file, RULE("edited"));
    const set = await loadRuleFiles([dir], { origin: "builtin", bundle: (await readBuiltinBundle(out))! });
    expect(set.sentinels[0]?.regexMatchers[0]?.message).toBe("edited");
  });

  it("leaves out a file with a problem, so that loading it reports the problem with its line", async () => {
    const dir = scratch();
    writeFileSync(path.join(dir, "broken.yml"), "id: broken\nmatchers: 3\n");
    const out = path.join(dir, "bundle.json");
    expect(await writeBuiltinBundle(dir, out)).toEqual({ files: 0 });
    const set = await loadRuleFiles([dir], { origin: "builtin", bundle: (await readBuiltinBundle(out))! });
    expect(set.issues).toEqual(expect.arrayContaining([expect.objectContaining({ code: "E_RULE_SCHEMA", line: 2 })]));
  });

  it("is not used when it is missing or in another format", async () => {
    const dir = scratch();
    expect(await readBuiltinBundle(path.join(dir, "none.json"))).toBeUndefined();
    writeFileSync(path.join(dir, "other.json"), JSON.stringify({ format: "something-else", files: {} }));
    expect(await readBuiltinBundle(path.join(dir, "other.json"))).toBeUndefined();
  });
});
