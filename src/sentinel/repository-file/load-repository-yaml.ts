import { Composer, LineCounter, Parser, type CST, type Document } from "yaml";
import { duplicateKeys } from "./duplicate-keys.js";
import { capProblems, moreProblems, type FileProblem } from "./file-problem.js";
import { tooDeepAt } from "./yaml-nesting.js";
import {
  MAX_ALIAS_COUNT,
  MAX_NESTING_DEPTH,
  MAX_REPOSITORY_FILE_BYTES,
  MAX_RULE_DOCUMENTS,
  REPOSITORY_FILE_LABEL,
  type RepositoryFileKind,
} from "./limits.js";

/** Where the node at a path of the loaded value starts, for schema errors. */
export type Locate = (path: ReadonlyArray<PropertyKey>) => { line?: number; column?: number };

export interface LoadedDocument {
  readonly value: unknown;
  readonly locate: Locate;
}

export interface RepositoryFileOptions {
  /** The path shown in every problem. */
  readonly file: string;
  /** Picks the size cap (and, for rule files, the document cap) from limits.ts. */
  readonly kind: RepositoryFileKind;
}

/**
 * One repository YAML file holding one document (a config, a recipe), as plain data. Never
 * throws: the value, or the problems; an empty file is the value `undefined`.
 */
export function loadRepositoryYaml(
  text: string,
  options: RepositoryFileOptions,
): LoadedDocument | { readonly errors: readonly FileProblem[] } {
  const { documents, errors } = loadRepositoryYamlDocuments(text, { ...options, maxDocuments: 1 });
  if (errors.length > 0) return { errors };
  return documents[0] ?? { value: undefined, locate: () => ({}) };
}

/**
 * Every document of a repository YAML file (rule files hold one sentinel per document). A
 * document with a problem is left out and the others are kept. Never throws.
 *
 * Each stage is linear in the text, which is capped before anything parses it: yaml's lexer and
 * parser, a nesting check before its (recursive) composer, composition without yaml's quadratic
 * unique-key check, the linear duplicate-key check instead, and alias expansion under a cap.
 */
export function loadRepositoryYamlDocuments(
  text: string,
  options: RepositoryFileOptions & { readonly maxDocuments?: number },
): { documents: LoadedDocument[]; errors: FileProblem[] } {
  const { file, kind } = options;
  const tooLarge = sizeProblem(text, file, kind);
  if (tooLarge) return { documents: [], errors: [tooLarge] };
  try {
    return capped(
      parseDocuments(text, file, options.maxDocuments ?? (kind === "rules" ? MAX_RULE_DOCUMENTS : 1)),
      file,
    );
  } catch (error) {
    // Not expected from the stages above; a file must still never take the caller down.
    return {
      documents: [],
      errors: [{ file, code: "E_YAML_SYNTAX", message: `could not be read as YAML (${firstLine(error)})` }],
    };
  }
}

/** The size cap of this kind, checked on UTF-8 bytes as the forge counts them. */
export function sizeProblem(text: string, file: string, kind: RepositoryFileKind): FileProblem | null {
  const max = MAX_REPOSITORY_FILE_BYTES[kind];
  // Every UTF-16 unit is at least one byte: the short form rules out most files without counting.
  if (text.length <= max / 3) return null;
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes <= max) return null;
  return {
    file,
    code: "E_FILE_TOO_LARGE",
    message: `the file is ${bytes} bytes; Sentinel reads a ${REPOSITORY_FILE_LABEL[kind]} of up to ${max} bytes (${max / 1024} KiB) and ignores a larger one.`,
  };
}

function parseDocuments(
  text: string,
  file: string,
  maxDocuments: number,
): { documents: LoadedDocument[]; errors: FileProblem[] } {
  const lines = new LineCounter();
  const at = (offset: number) => position(lines, offset);
  const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
  const cstDocs = tokens.filter((t): t is CST.Document => t.type === "document");
  if (cstDocs.length > maxDocuments) {
    const what =
      maxDocuments === 1 ? "one YAML document (no `---` between parts)" : `at most ${maxDocuments} YAML documents`;
    return {
      documents: [],
      errors: [
        {
          file,
          ...at(cstDocs[maxDocuments]?.offset ?? 0),
          code: "E_YAML_TOO_MANY_DOCUMENTS",
          message: `the file has ${cstDocs.length} YAML documents; it may hold ${what}.`,
        },
      ],
    };
  }
  for (const doc of cstDocs) {
    const offset = tooDeepAt(doc, MAX_NESTING_DEPTH);
    if (offset !== null) {
      return {
        documents: [],
        errors: [
          {
            file,
            ...at(offset),
            code: "E_YAML_TOO_DEEP",
            message: `collections are nested more than ${MAX_NESTING_DEPTH} levels deep here; Sentinel's files need a handful.`,
          },
        ],
      };
    }
  }
  const composed = Array.from(new Composer({ uniqueKeys: false }).compose(tokens));
  const documents: LoadedDocument[] = [];
  const errors: FileProblem[] = [];
  for (const doc of composed) {
    const problems = documentProblems(doc, file, at);
    if (problems.length > 0) {
      errors.push(...problems);
      continue;
    }
    try {
      documents.push({ value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), locate: locator(doc, at) });
    } catch (error) {
      errors.push({
        file,
        ...at(doc.range[0]),
        code: "E_YAML_ALIASES",
        message: `aliases expand too far (${firstLine(error)}); write the values out.`,
      });
    }
  }
  return { documents, errors };
}

/** yaml's errors and warnings (an unknown tag is a warning: it would load as a string), then repeated keys. */
function documentProblems(
  doc: Document.Parsed,
  file: string,
  at: (offset: number) => { line?: number; column?: number },
): FileProblem[] {
  const problems: FileProblem[] = [...doc.errors, ...doc.warnings].map((e) => ({
    file,
    ...at(e.pos[0]),
    code: "E_YAML_SYNTAX",
    message: firstLine(e),
  }));
  if (problems.length > 0) return problems;
  return duplicateKeys(doc).map((d) => ({ file, ...at(d.offset), code: "E_YAML_DUPLICATE_KEY", message: d.message }));
}

function locator(doc: Document, at: (offset: number) => { line?: number; column?: number }): Locate {
  return (path) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === "object" && node.range) return at(node.range[0]);
    }
    return {};
  };
}

function position(lines: LineCounter, offset: number): { line?: number; column?: number } {
  const p = lines.linePos(offset);
  return p ? { line: p.line, column: p.col } : {};
}

function capped(
  result: { documents: LoadedDocument[]; errors: FileProblem[] },
  file: string,
): { documents: LoadedDocument[]; errors: FileProblem[] } {
  return { documents: result.documents, errors: capProblems(result.errors, (left) => moreProblems(file, left)) };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] as string;
}
