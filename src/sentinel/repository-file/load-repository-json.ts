import { parseLenientJson } from "../problem-matcher/parse-lenient-json.js";
import type { FileProblem } from "./file-problem.js";
import { sizeProblem, type LoadedDocument, type RepositoryFileOptions } from "./load-repository-yaml.js";
import { MAX_NESTING_DEPTH } from "./limits.js";

/**
 * One repository JSON file (a JSON sentinel or a problem-matcher file) as plain data. Never
 * throws. JSON.parse is linear and iterative, and a repeated key simply wins, so the work here is
 * the size cap and a nesting check; comments and trailing commas are accepted because the Actions
 * runner (Json.NET) accepts them in matcher files.
 */
export function loadRepositoryJson(
  text: string,
  options: RepositoryFileOptions,
): LoadedDocument | { readonly errors: readonly FileProblem[] } {
  const { file, kind } = options;
  const tooLarge = sizeProblem(text, file, kind);
  if (tooLarge) return { errors: [tooLarge] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (strictError) {
    try {
      value = parseLenientJson(text);
    } catch {
      // The strict parser's position is in the file as written; the lenient one's is not.
      return {
        errors: [
          {
            file,
            ...jsonErrorLine(text, strictError),
            code: "E_JSON_SYNTAX",
            message: `not valid JSON: ${(strictError as Error).message}`,
          },
        ],
      };
    }
  }
  if (nestedDeeperThan(value, MAX_NESTING_DEPTH)) {
    return {
      errors: [
        {
          file,
          code: "E_JSON_TOO_DEEP",
          message: `arrays and objects are nested more than ${MAX_NESTING_DEPTH} levels deep; Sentinel's files need a handful.`,
        },
      ],
    };
  }
  // JSON has no cheap position map; problems name the path in their message instead.
  return { value, locate: () => ({}) };
}

function nestedDeeperThan(root: unknown, max: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value: root, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop() as { value: unknown; depth: number };
    if (value === null || typeof value !== "object") continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(value)) stack.push({ value: child, depth: depth + 1 });
  }
  return false;
}

function jsonErrorLine(text: string, error: unknown): { line?: number } {
  const m = /position (\d+)/.exec(String((error as Error).message));
  if (!m) return {};
  let line = 1;
  for (let i = 0, end = Math.min(Number(m[1]), text.length); i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return { line };
}
