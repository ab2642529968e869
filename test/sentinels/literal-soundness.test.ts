import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cleanLine } from "../../src/sentinel/engine/clean-line.js";
import { loadBuiltinRules, type CompiledPattern } from "../../src/sentinel/index.js";
import { anchoredPrefix, startsLike } from "../../src/sentinel/regex/anchored-prefix.js";
import { corpusNames, readCorpusLog } from "../support/log-corpus.js";

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures");

function logFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return logFilesUnder(full);
    return /\.(log|txt)$/.test(name) ? [full] : [];
  });
}

/** Every cleaned line of every real log the tests hold: tool output, CI logs and the public corpus. */
function realLines(): string[] {
  const texts = [...logFilesUnder(path.join(FIXTURES, "tools")), ...logFilesUnder(path.join(FIXTURES, "ci-logs"))].map(
    (f) => readFileSync(f, "utf8"),
  );
  texts.push(...corpusNames().map((n) => readCorpusLog(n).text));
  return [...new Set(texts.flatMap((t) => t.split("\n")).map((l) => cleanLine(l).text))];
}

interface Checked {
  readonly id: string;
  readonly pattern: CompiledPattern;
  readonly literals: readonly string[];
}

describe("prefilter literals of the builtin sentinels", () => {
  // The engine skips a line unless it holds one of a pattern's literals, so a literal set that
  // misses a line the pattern matches would silently lose a finding.
  it("are contained in every real log line their pattern matches", async () => {
    const rules = await loadBuiltinRules();
    const checked: Checked[] = [];
    for (const s of rules.sentinels) {
      for (const m of s.regexMatchers)
        if (m.literals) checked.push({ id: m.ruleId, pattern: m.pattern, literals: m.literals });
      for (const pm of s.problemMatchers) {
        pm.definition.patterns.forEach((p, i) => {
          const literals = pm.literals[i];
          if (literals) checked.push({ id: `${pm.definition.owner}[${i}]`, pattern: p.regexp, literals });
        });
      }
    }
    const lines = realLines();
    const misses: string[] = [];
    let matched = 0;
    for (const line of lines) {
      const folded = line.replace(/[A-Z]/g, (c) => c.toLowerCase());
      for (const c of checked) {
        if (!c.pattern.exec(line)) continue;
        matched++;
        if (!c.literals.some((l) => folded.includes(l))) misses.push(`${c.id}: ${line}`);
      }
    }
    expect(misses).toEqual([]);
    expect(matched).toBeGreaterThan(500);
  });
});

describe("anchored prefixes of the builtin sentinels", () => {
  // The engine drops an anchored pattern before running it when the line does not start with the
  // pattern's known text: a prefix that rejects a line the pattern matches would lose a finding.
  it("hold on every real log line their pattern matches", async () => {
    const rules = await loadBuiltinRules();
    const anchored = rules.sentinels
      .flatMap((s) => s.regexMatchers)
      .flatMap((m) => {
        const prefix = anchoredPrefix(m.pattern.source, m.pattern.ignoreCase);
        return prefix ? [{ id: m.ruleId, pattern: m.pattern, prefix }] : [];
      });
    const misses: string[] = [];
    let matched = 0;
    for (const line of realLines()) {
      for (const a of anchored) {
        if (!a.pattern.exec(line)) continue;
        matched++;
        if (!startsLike(a.prefix, line)) misses.push(`${a.id}: ${line}`);
      }
    }
    expect(misses).toEqual([]);
    expect(anchored.length).toBeGreaterThan(50);
    expect(matched).toBeGreaterThan(100);
  });
});
