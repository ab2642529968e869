import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LineCounter, parseAllDocuments, type Document } from "yaml";
import { duplicateKeys } from "./unique-keys.js";
import { parseProblemMatchers } from "../problem-matcher/index.js";
import { problemMatcherMeta, problemMatcherMetaSchema } from "./problem-matcher-meta.js";
import { requiredLiterals } from "../engine/required-literals.js";
import { sentinelSchema } from "./schema.js";
import { compileSentinel, type Locate } from "./compile-sentinel.js";
import type { CompiledSentinel, RuleIssue, RuleSet } from "./rule-set.js";

export const MAX_RULE_FILE_BYTES = 1024 * 1024;
const MAX_DOCUMENTS = 100;
const RULE_EXTENSIONS = new Set([".yml", ".yaml", ".json"]);

/** The directory of builtin sentinels shipped with the package (same depth from src/ and dist/). */
export const BUILTIN_SENTINELS_DIR = fileURLToPath(new URL("../../../sentinels/", import.meta.url));

/**
 * Parses one rule file's text: YAML sentinels (one per document), a JSON sentinel, or a GitHub
 * Actions problem-matcher JSON file. Never throws: every problem becomes an issue with a line.
 */
export function parseRuleText(text: string, file: string): { sentinels: CompiledSentinel[]; issues: RuleIssue[] } {
  if (Buffer.byteLength(text, "utf8") > MAX_RULE_FILE_BYTES) {
    return { sentinels: [], issues: [{ file, code: "E_RULE_FILE_TOO_LARGE", severity: "error", message: `rule file is larger than ${MAX_RULE_FILE_BYTES} bytes.` }] };
  }
  if (file.endsWith(".json")) return parseJsonRuleText(text, file);
  return parseYamlRuleText(text, file);
}

function parseJsonRuleText(text: string, file: string): { sentinels: CompiledSentinel[]; issues: RuleIssue[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { sentinels: [], issues: [{ file, ...jsonErrorPosition(text, error), code: "E_RULE_YAML", severity: "error", message: `not valid JSON: ${(error as Error).message}` }] };
  }
  if (value && typeof value === "object" && "problemMatcher" in value) return loadProblemMatcherFile(value, file);
  // JSON has no cheap position map; report against the file (and the path in the message).
  return validateAndCompile(value, file, () => ({}), []);
}

function parseYamlRuleText(text: string, file: string): { sentinels: CompiledSentinel[]; issues: RuleIssue[] } {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const issues: RuleIssue[] = [];
  const sentinels: CompiledSentinel[] = [];
  const list = Array.isArray(docs) ? docs : [];
  if (!Array.isArray(docs)) {
    issues.push({ file, code: "E_RULE_YAML", severity: "error", message: "the file is not a YAML stream" });
  }
  if (list.length > MAX_DOCUMENTS) {
    return { sentinels, issues: [{ file, code: "E_RULE_YAML", severity: "error", message: `more than ${MAX_DOCUMENTS} YAML documents in one file.` }] };
  }
  for (const doc of list) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) issues.push({ file, ...position(lineCounter, e.pos[0]), code: "E_RULE_YAML", severity: "error", message: e.message.split("\n")[0] as string });
      continue;
    }
    for (const w of doc.warnings) issues.push({ file, ...position(lineCounter, w.pos[0]), code: "E_RULE_YAML", severity: "error", message: w.message.split("\n")[0] as string });
    const duplicates = duplicateKeys(doc);
    for (const d of duplicates) issues.push({ file, ...position(lineCounter, d.offset), code: "E_RULE_YAML", severity: "error", message: d.message });
    if (doc.warnings.length > 0 || duplicates.length > 0) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 50 });
    } catch (error) {
      issues.push({ file, code: "E_RULE_YAML", severity: "error", message: (error as Error).message });
      continue;
    }
    if (value === null || value === undefined) continue;
    const result = validateAndCompile(value, file, yamlLocator(doc, lineCounter), []);
    sentinels.push(...result.sentinels);
    issues.push(...result.issues);
  }
  return { sentinels, issues };
}

function validateAndCompile(value: unknown, file: string, locate: Locate, docPath: Array<string | number>): { sentinels: CompiledSentinel[]; issues: RuleIssue[] } {
  const parsed = sentinelSchema.safeParse(value);
  if (!parsed.success) {
    return {
      sentinels: [],
      issues: parsed.error.issues.map((issue) => ({
        file,
        ...locate(issue.path as Array<string | number>),
        code: "E_RULE_SCHEMA",
        severity: "error" as const,
        message: `${issue.path.length ? issue.path.join(".") + ": " : ""}${issue.message}`,
      })),
    };
  }
  const { sentinel, issues } = compileSentinel(parsed.data, file, locate, docPath);
  if (!parsed.data.enabled) return { sentinels: [], issues };
  return { sentinels: [sentinel], issues };
}

function loadProblemMatcherFile(value: unknown, file: string): { sentinels: CompiledSentinel[]; issues: RuleIssue[] } {
  const { matchers, errors } = parseProblemMatchers(value, file);
  const issues: RuleIssue[] = errors.map((e) => ({ file, code: "E_PROBLEM_MATCHER", severity: "error" as const, message: `${e.path}: ${e.message}` }));
  const sentinels: CompiledSentinel[] = matchers.map((definition) => {
    const meta = problemMatcherMeta(definition.owner, readMetaExtension(value, definition.owner, file, issues));
    const literals = definition.patterns.map((p) => requiredLiterals(translateForLiterals(p.regexp.source)));
    if (literals.every((l) => l === null)) {
      issues.push({ file, code: "W_PATTERN_NO_LITERAL", severity: "warning", message: `problem matcher "${definition.owner}" has no literal text in any pattern, so it runs on every line.` });
    }
    return {
      id: `problem-matcher.${definition.owner}`,
      name: `Problem matcher ${definition.owner}`,
      tool: meta.tool,
      file,
      kind: "problem-matcher",
      sources: ["shell", "log"],
      whenUnknown: "apply",
      regexMatchers: [],
      statefulMatchers: [],
      problemMatchers: [{ sentinelId: `problem-matcher.${definition.owner}`, definition, literals, meta }],
      routes: [],
    };
  });
  return { sentinels, issues };
}

/** The optional `sentinel` object of the matcher with this owner; an invalid one is reported and ignored. */
function readMetaExtension(value: unknown, owner: string, file: string, issues: RuleIssue[]) {
  const list = (value as { problemMatcher?: unknown }).problemMatcher;
  if (!Array.isArray(list)) return undefined;
  const index = list.findIndex((m) => typeof m === "object" && m !== null && (m as { owner?: unknown }).owner === owner);
  const raw = index < 0 ? undefined : (list[index] as { sentinel?: unknown }).sentinel;
  if (raw === undefined) return undefined;
  const parsed = problemMatcherMetaSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const where = ["problemMatcher", index, "sentinel", ...issue.path].join(".");
    issues.push({ file, code: "E_PROBLEM_MATCHER", severity: "error", message: `${where}: ${issue.message}` });
  }
  return undefined;
}

/** Problem matchers use JavaScript syntax; `\/` is the only common spelling RE2's parser reads differently. */
function translateForLiterals(source: string): string {
  return source.replace(/\\\//g, "/");
}

function yamlLocator(doc: Document, lc: LineCounter): Locate {
  return (p) => {
    for (let n = p.length; n >= 0; n--) {
      const node = doc.getIn(p.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === "object" && node.range) return position(lc, node.range[0]);
    }
    return {};
  };
}

function position(lc: LineCounter, offset: number): { line?: number; column?: number } {
  const p = lc.linePos(offset);
  return p ? { line: p.line, column: p.col } : {};
}

function jsonErrorPosition(text: string, error: unknown): { line?: number } {
  const m = /position (\d+)/.exec(String((error as Error).message));
  if (!m) return {};
  return { line: text.slice(0, Number(m[1])).split("\n").length };
}

/** Reads rule files and directories (their *.yml, *.yaml and *.json files, sorted by name). */
export async function loadRuleFiles(paths: readonly string[]): Promise<RuleSet> {
  const sentinels: CompiledSentinel[] = [];
  const issues: RuleIssue[] = [];
  for (const file of await expandPaths(paths, issues)) {
    let text: string;
    try {
      const info = await stat(file);
      if (info.size > MAX_RULE_FILE_BYTES) {
        issues.push({ file, code: "E_RULE_FILE_TOO_LARGE", severity: "error", message: `rule file is ${info.size} bytes; the limit is ${MAX_RULE_FILE_BYTES}.` });
        continue;
      }
      text = await readFile(file, "utf8");
    } catch (error) {
      issues.push({ file, code: "E_RULE_FILE_UNREADABLE", severity: "error", message: (error as Error).message });
      continue;
    }
    const result = parseRuleText(text, file);
    sentinels.push(...result.sentinels);
    issues.push(...result.issues);
  }
  return mergeRuleSets({ sentinels: [], issues }, { sentinels, issues: [] });
}

async function expandPaths(paths: readonly string[], issues: RuleIssue[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    try {
      const info = await stat(p);
      if (info.isDirectory()) {
        const entries = (await readdir(p)).filter((n) => RULE_EXTENSIONS.has(path.extname(n))).sort();
        files.push(...entries.map((n) => path.join(p, n)));
      } else files.push(p);
    } catch (error) {
      issues.push({ file: p, code: "E_RULE_FILE_UNREADABLE", severity: "error", message: (error as Error).message });
    }
  }
  return files;
}

/**
 * Later rule sets win: a sentinel whose id is already present replaces it (so a repository can
 * override a builtin by reusing its id), and issues accumulate.
 */
export function mergeRuleSets(...sets: RuleSet[]): RuleSet {
  const byId = new Map<string, CompiledSentinel>();
  const issues: RuleIssue[] = [];
  for (const set of sets) {
    issues.push(...set.issues);
    for (const s of set.sentinels) {
      byId.delete(s.id);
      byId.set(s.id, s);
    }
  }
  return { sentinels: [...byId.values()], issues };
}

let builtinCache: Promise<RuleSet> | undefined;

export function loadBuiltinRules(): Promise<RuleSet> {
  builtinCache ??= loadRuleFiles([BUILTIN_SENTINELS_DIR]);
  return builtinCache;
}
