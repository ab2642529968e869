import type { Diagnosis } from "../sentinel/index.js";

/** What a code-scoped recipe may touch: the codes it fixes and the files that have them. */
export interface FindingScope {
  readonly codes: readonly string[];
  readonly files: readonly string[];
}

const CODE = /^[A-Za-z]+[0-9]+$/;

/**
 * The diagnosis's codes and files when every located finding has a code starting with one of
 * `prefixes` (`E2` takes E225, E231…) and names a plain file of the repository; null otherwise.
 * One code outside the list means a problem the fixer must not touch, so the whole fix is refused
 * rather than done in part. With `prefixes` null (a formatter, whose findings carry no code: isort,
 * clang-format, shfmt) only the files are checked, and `codes` is empty. File names come from a
 * log: only relative paths inside the worktree that exist there are handed to a command (never
 * one that could read as an option).
 */
export function findingScope(
  d: Diagnosis,
  prefixes: readonly string[] | null,
  fileExists: (path: string) => boolean,
): FindingScope | null {
  const codes = new Set<string>();
  const files = new Set<string>();
  for (const f of d.findings) {
    // A line without a file is a summary or banner, not a diagnostic.
    if (!f.file) continue;
    if (prefixes && (!f.code || !CODE.test(f.code) || !prefixes.some((p) => f.code!.startsWith(p)))) return null;
    const file = f.file.replace(/^(\.\/)+/, "");
    if (!plainRelativePath(file) || !fileExists(file)) return null;
    if (f.code && prefixes) codes.add(f.code);
    files.add(file);
  }
  if (files.size === 0) return null;
  return { codes: [...codes].sort(), files: [...files].sort() };
}

function plainRelativePath(file: string): boolean {
  return (
    file.length > 0 &&
    !file.startsWith("/") &&
    !file.startsWith("-") &&
    !/[\0\n\r]/.test(file) &&
    !file.split(/[\\/]/).some((part) => part === ".." || part === "")
  );
}
