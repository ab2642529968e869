// The build's last step (`postbuild`, `node dist/sentinel/rules/write-builtin-bundle.js`): parses,
// validates and compiles sentinels/* once into dist/sentinels.bundle.json (builtin-bundle.ts says
// why and how it stays correct). It lives in src/ so that it is compiled wherever the build runs;
// where sentinels/ is not there (the Docker image's build stage copies src/ only) it writes nothing
// and the builtins are read from their files at run time.
import { existsSync } from "node:fs";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { sha256 } from "../../core/index.js";
import { engineFactsOf, factsOf, javascriptFactsOf } from "../regex/lazy-pattern.js";
import { loadRepositoryYamlDocuments } from "../repository-file/index.js";
import type { CompiledPattern } from "../regex/compile-pattern.js";
import {
  BUILTIN_BUNDLE_FILE,
  BUNDLE_FORMAT,
  type BundleEntry,
  type CompiledFacts,
  type RuleFacts,
} from "./builtin-bundle.js";
import { BUILTIN_SENTINELS_DIR } from "./load-rule-files.js";
import { parseRuleText } from "./parse-rule-text.js";
import type { CompiledSentinel } from "./rule-set.js";
import { sentinelSchema, type SentinelDefinition } from "./schema.js";

/**
 * Writes the bundle for the rule files in `dir`. A file with any problem (even a warning) is left
 * out, so that loading it at run time reports the problem with its line.
 */
export async function writeBuiltinBundle(dir: string, out = BUILTIN_BUNDLE_FILE): Promise<{ files: number }> {
  const files: Record<string, BundleEntry> = {};
  for (const name of (await readdir(dir)).filter((n) => /\.(ya?ml|json)$/.test(n)).sort()) {
    const file = path.join(dir, name);
    const text = await readFile(file, "utf8");
    const { size, mtimeMs } = await stat(file);
    const stamp = { sha256: sha256(text), size, mtimeMs };
    const compiled = parseRuleText(text, file, { origin: "builtin" });
    if (compiled.issues.length > 0) continue;
    if (name.endsWith(".json")) {
      files[name] = { ...stamp, sentinels: compiled.sentinels.map(asData) };
      continue;
    }
    const { documents, errors } = loadRepositoryYamlDocuments(text, { file: name, kind: "rules" });
    const definitions = documents
      .filter((d) => d.value !== null && d.value !== undefined)
      .map((d) => sentinelSchema.safeParse(d.value));
    if (errors.length > 0 || definitions.some((d) => !d.success)) continue;
    const rules: Record<string, RuleFacts> = {};
    for (const m of compiled.sentinels.flatMap((s) => s.regexMatchers)) {
      const compiledFacts = (p: CompiledPattern): CompiledFacts => {
        const { source, ignoreCase, ...rest } = factsOf(p);
        // (A regex matcher's pattern is in RE2 syntax already.)
        return { ...rest, ...engineFactsOf(source, ignoreCase) };
      };
      rules[m.ruleId] = {
        literals: m.literals,
        clauses: m.clauses ?? [],
        pattern: compiledFacts(m.pattern),
        ...(m.then ? { then: m.then.map((t) => compiledFacts(t.pattern)) } : {}),
        ...(m.end ? { end: compiledFacts(m.end) } : {}),
      };
    }
    files[name] = {
      ...stamp,
      // A matcher's description documents the rule file; nothing compiled reads it.
      documents: definitions.map((d) => withoutMatcherDescriptions(d.data as SentinelDefinition)),
      rules,
    };
  }
  await writeFile(out, JSON.stringify({ format: BUNDLE_FORMAT, files }) + "\n");
  return { files: Object.keys(files).length };
}

function withoutMatcherDescriptions(def: SentinelDefinition): SentinelDefinition {
  return { ...def, matchers: def.matchers.map(({ description: _description, ...m }) => m) } as SentinelDefinition;
}

/**
 * A problem-matcher sentinel as data: its patterns become their facts, with their RE2 spelling
 * (they are written in JavaScript's), and JSON drops the functions.
 */
function asData(s: CompiledSentinel): Omit<CompiledSentinel, "file"> {
  const { file: _file, ...rest } = s;
  const problemMatchers = rest.problemMatchers.map((pm) => ({
    ...pm,
    definition: {
      ...pm.definition,
      patterns: pm.definition.patterns.map((p) => ({ ...p, regexp: javascriptFactsOf(p.regexp) })),
    },
  }));
  return JSON.parse(JSON.stringify({ ...rest, problemMatchers })) as Omit<CompiledSentinel, "file">;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!existsSync(BUILTIN_SENTINELS_DIR)) {
    process.stdout.write(`no ${BUILTIN_SENTINELS_DIR} here: no builtin bundle written\n`);
  } else {
    const { files } = await writeBuiltinBundle(BUILTIN_SENTINELS_DIR);
    process.stdout.write(`${BUILTIN_BUNDLE_FILE}: ${files} builtin rule files compiled\n`);
  }
}
