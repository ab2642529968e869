import type { z } from "zod";
import { parseProblemMatchers } from "../problem-matcher/index.js";
import { programBudget, type ProgramBudget } from "../regex/program-budget.js";
import {
  capProblems,
  moreProblems,
  loadRepositoryJson,
  loadRepositoryYamlDocuments,
  MAX_RULES_PROGRAM_SIZE,
  type FileProblem,
  type Locate,
} from "../repository-file/index.js";
import { problemMatcherMeta, problemMatcherMetaSchema } from "./problem-matcher-meta.js";
import { requiredLiteralClauses } from "../engine/required-literals.js";
import { sentinelSchema } from "./schema.js";
import { noLiteralMessage, type CompileContext, type RuleOrigin } from "./compile-regex-matcher.js";
import { compileSentinel } from "./compile-sentinel.js";
import type { CompiledSentinel, RuleIssue } from "./rule-set.js";

// What parses a rule file's text: YAML, zod schemas and problem-matcher JSON. Loading the builtins
// from the build's bundle needs none of it (load-rule-files.ts imports it only for other files).

export interface ParseRuleOptions {
  /** `repository` (the default) for anything a repository or a user wrote; `builtin` for sentinels/. */
  readonly origin?: RuleOrigin;
  /** Shared by the files of one repository; by default this file has MAX_RULES_PROGRAM_SIZE to itself. */
  readonly budget?: ProgramBudget;
}

/**
 * Parses one rule file's text: YAML sentinels (one per document), a JSON sentinel, or a GitHub
 * Actions problem-matcher JSON file. Never throws: every problem becomes an issue with a line.
 * The text goes through the one repository-file loader (size cap, linear YAML checks).
 */
export function parseRuleText(
  text: string,
  file: string,
  options: ParseRuleOptions = {},
): { sentinels: CompiledSentinel[]; issues: RuleIssue[] } {
  const context: CompileContext = {
    origin: options.origin ?? "repository",
    budget: options.budget ?? programBudget(MAX_RULES_PROGRAM_SIZE),
  };
  const result = file.endsWith(".json")
    ? parseJsonRuleText(text, file, context)
    : parseYamlRuleText(text, file, context);
  return {
    sentinels: result.sentinels,
    issues: capProblems(result.issues, (left) => asIssue(moreProblems(file, left))),
  };
}

function asIssue(p: FileProblem): RuleIssue {
  return { ...p, severity: "error" };
}

function parseJsonRuleText(
  text: string,
  file: string,
  context: CompileContext,
): { sentinels: CompiledSentinel[]; issues: RuleIssue[] } {
  const loaded = loadRepositoryJson(text, { file, kind: "rules" });
  if ("errors" in loaded) return { sentinels: [], issues: loaded.errors.map(asIssue) };
  const value = loaded.value;
  if (value && typeof value === "object" && "problemMatcher" in value)
    return loadProblemMatcherFile(value, file, context);
  return validateAndCompile(value, file, loaded.locate, context);
}

function parseYamlRuleText(
  text: string,
  file: string,
  context: CompileContext,
): { sentinels: CompiledSentinel[]; issues: RuleIssue[] } {
  const { documents, errors } = loadRepositoryYamlDocuments(text, { file, kind: "rules" });
  const issues: RuleIssue[] = errors.map(asIssue);
  const sentinels: CompiledSentinel[] = [];
  for (const doc of documents) {
    if (doc.value === null || doc.value === undefined) continue;
    const result = validateAndCompile(doc.value, file, doc.locate, context);
    sentinels.push(...result.sentinels);
    issues.push(...result.issues);
  }
  return { sentinels, issues };
}

function validateAndCompile(
  value: unknown,
  file: string,
  locate: Locate,
  context: CompileContext,
): { sentinels: CompiledSentinel[]; issues: RuleIssue[] } {
  const parsed = sentinelSchema.safeParse(value);
  if (!parsed.success) {
    return {
      sentinels: [],
      // Located one by one (a path lookup each), so only as many as will be shown.
      issues: capProblems<RuleIssue | z.core.$ZodIssue>(parsed.error.issues, (left) =>
        asIssue(moreProblems(file, left)),
      ).map((issue) =>
        "severity" in issue
          ? issue
          : {
              file,
              ...locate(issue.path),
              code: "E_RULE_SCHEMA",
              severity: "error" as const,
              message: `${issue.path.length ? issue.path.join(".") + ": " : ""}${issue.message}`,
            },
      ),
    };
  }
  const { sentinel, issues } = compileSentinel(parsed.data, file, locate, [], context);
  if (!parsed.data.enabled) return { sentinels: [], issues };
  return { sentinels: [sentinel], issues };
}

function loadProblemMatcherFile(
  value: unknown,
  file: string,
  context: CompileContext,
): { sentinels: CompiledSentinel[]; issues: RuleIssue[] } {
  const { matchers, errors } = parseProblemMatchers(value, file, { budget: context.budget });
  const issues: RuleIssue[] = errors.map((e) => ({
    file,
    code: e.code,
    severity: "error" as const,
    message: `${e.path}: ${e.message}`,
  }));
  const sentinels: CompiledSentinel[] = [];
  for (const definition of matchers) {
    const meta = problemMatcherMeta(definition.owner, readMetaExtension(value, definition.owner, file, issues));
    const perPattern = definition.patterns.map((p) => requiredLiteralClauses(translateForLiterals(p.regexp.source)));
    const literals = perPattern.map((c) => c[0] ?? null);
    const clauses = perPattern.map((c) => c.slice(1));
    // A matcher is triggered by its pattern with the best literal; with none, it reads every line.
    if (literals.every((l) => l === null)) {
      if (context.origin === "repository") {
        for (const p of definition.patterns) context.budget.remaining += p.regexp.programSize;
        issues.push({
          file,
          code: "E_PATTERN_NO_LITERAL",
          severity: "error",
          message: noLiteralMessage(`problem matcher "${definition.owner}" (none of its patterns has one)`),
        });
        continue;
      }
      issues.push({
        file,
        code: "W_PATTERN_NO_LITERAL",
        severity: "warning",
        message: `problem matcher "${definition.owner}" has no literal text in any pattern, so it runs on every line.`,
      });
    }
    sentinels.push({
      id: `problem-matcher.${definition.owner}`,
      name: `Problem matcher ${definition.owner}`,
      tool: meta.tool,
      file,
      kind: "problem-matcher",
      sources: ["shell", "log"],
      whenUnknown: "apply",
      regexMatchers: [],
      statefulMatchers: [],
      problemMatchers: [{ sentinelId: `problem-matcher.${definition.owner}`, definition, literals, clauses, meta }],
      routes: [],
    });
  }
  return { sentinels, issues };
}

/** The optional `sentinel` object of the matcher with this owner; an invalid one is reported and ignored. */
function readMetaExtension(value: unknown, owner: string, file: string, issues: RuleIssue[]) {
  const list = (value as { problemMatcher?: unknown }).problemMatcher;
  if (!Array.isArray(list)) return undefined;
  const index = list.findIndex(
    (m) => typeof m === "object" && m !== null && (m as { owner?: unknown }).owner === owner,
  );
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
