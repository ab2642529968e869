import { MAX_PROBLEMS_PER_FILE } from "./limits.js";

/** Something wrong with a repository file, with where a person should look. */
export interface FileProblem {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly code: string;
  readonly message: string;
}

/** `file:line: CODE: message`, as config errors are shown to the repository. */
export function formatFileProblem(p: FileProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ""}: ${p.code}: ${p.message}`;
}

/**
 * The first MAX_PROBLEMS_PER_FILE problems, and one more (made by `more`) saying how many were
 * left out, so a file built to fail on every node yields a short report. Cap before locating
 * problems: finding a problem's line is a lookup each.
 */
export function capProblems<T>(problems: readonly T[], more: (left: number) => T): T[] {
  if (problems.length <= MAX_PROBLEMS_PER_FILE) return [...problems];
  return [...problems.slice(0, MAX_PROBLEMS_PER_FILE), more(problems.length - MAX_PROBLEMS_PER_FILE)];
}

/** The problem that stands for those `capProblems` left out. */
export function moreProblems(file: string, left: number): FileProblem {
  return {
    file,
    code: "E_TOO_MANY_PROBLEMS",
    message: `${left} more problem${left === 1 ? "" : "s"} in this file not shown; fix the ones above first.`,
  };
}
