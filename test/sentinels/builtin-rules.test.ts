import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  BUILTIN_SENTINELS_DIR,
  loadBuiltinRules,
  parseRuleText,
  type CompiledSentinel,
} from "../../src/sentinel/index.js";

const RULE_FILE = /\.(ya?ml|json)$/;

function builtinFiles(): string[] {
  return readdirSync(BUILTIN_SENTINELS_DIR)
    .filter((name) => RULE_FILE.test(name))
    .sort();
}

/** Each file on its own: loading the directory merges sentinels by id, which would hide a duplicate. */
function sentinelsByFile(): Array<{ file: string; sentinels: CompiledSentinel[] }> {
  return builtinFiles().map((file) => ({
    file,
    sentinels: parseRuleText(readFileSync(path.join(BUILTIN_SENTINELS_DIR, file), "utf8"), file).sentinels,
  }));
}

describe("builtin sentinels", () => {
  it("load without a single issue of any kind", async () => {
    const rules = await loadBuiltinRules();
    expect(rules.issues).toEqual([]);
  });

  it("are all loaded from sentinels/", async () => {
    const rules = await loadBuiltinRules();
    const fromFiles = sentinelsByFile().flatMap(({ sentinels }) => sentinels.map((s) => s.id));
    expect(rules.sentinels.map((s) => s.id).sort()).toEqual(fromFiles.sort());
    expect(rules.sentinels.length).toBeGreaterThan(30);
  });

  it("give every regex matcher a prefilter literal, so none runs on every line", async () => {
    const rules = await loadBuiltinRules();
    const withoutLiteral = rules.sentinels
      .flatMap((s) => s.regexMatchers)
      .filter((m) => m.literals === null)
      .map((m) => m.ruleId);
    expect(withoutLiteral).toEqual([]);
    expect(rules.issues.filter((i) => i.code === "W_PATTERN_NO_LITERAL")).toEqual([]);
  });

  it("give every problem matcher a pattern with a literal to trigger on", async () => {
    const rules = await loadBuiltinRules();
    const problemMatchers = rules.sentinels.flatMap((s) => s.problemMatchers);
    expect(problemMatchers.length).toBeGreaterThan(0);
    const untriggered = problemMatchers
      .filter((pm) => pm.literals.every((l) => l === null))
      .map((pm) => pm.definition.owner);
    expect(untriggered).toEqual([]);
  });

  it("use each sentinel id in one file only", () => {
    const seen = new Map<string, string>();
    const duplicates: string[] = [];
    for (const { file, sentinels } of sentinelsByFile()) {
      for (const s of sentinels) {
        const other = seen.get(s.id);
        if (other) duplicates.push(`${s.id} in ${other} and ${file}`);
        seen.set(s.id, file);
      }
    }
    expect(duplicates).toEqual([]);
  });

  it("use each rule id once", async () => {
    const rules = await loadBuiltinRules();
    const ids = rules.sentinels.flatMap((s) => [...s.regexMatchers, ...s.statefulMatchers].map((m) => m.ruleId));
    expect(ids.length).toBeGreaterThan(100);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it("name the tool each sentinel reads", async () => {
    const rules = await loadBuiltinRules();
    expect(rules.sentinels.filter((s) => !s.tool).map((s) => s.id)).toEqual([]);
  });

  it("describe every sentinel", async () => {
    const rules = await loadBuiltinRules();
    expect(rules.sentinels.filter((s) => s.kind === "sentinel" && !s.description).map((s) => s.id)).toEqual([]);
  });

  it("point every YAML file at the published JSON Schema", () => {
    const modeline = "# yaml-language-server: $schema=../schema/sentinel.schema.json\n";
    const missing = builtinFiles().filter(
      (f) => /\.ya?ml$/.test(f) && !readFileSync(path.join(BUILTIN_SENTINELS_DIR, f), "utf8").startsWith(modeline),
    );
    expect(missing).toEqual([]);
  });

  it("route what they find somewhere", async () => {
    const rules = await loadBuiltinRules();
    expect(rules.sentinels.filter((s) => s.kind === "sentinel" && s.routes.length === 0).map((s) => s.id)).toEqual([]);
  });
});
