import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";

/**
 * Which text a build-time entry was made from: its hash, and the file's size and modification
 * time then, so that an untouched file is known by a `stat` alone (an edit changes the time; a
 * copy that changes the time is hashed).
 */
export interface FileStamp {
  readonly sha256: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** A build's bundle of files it parsed once (builtin rule files, builtin recipes), keyed by file name. */
export interface StampedBundle<E extends FileStamp> {
  /** A file's entry, when the bundle holds this very text. */
  entryFor(fileName: string, text: string): E | undefined;
  /** The entry of a file whose size and modification time are those the build saw (no need to read it). */
  entryForStat(fileName: string, size: number, mtimeMs: number): E | undefined;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * The bundle the build wrote in `format`, or undefined (not built, unreadable, another format):
 * then every file is parsed from its source, as without a build.
 */
export async function readStampedBundle<E extends FileStamp>(
  file: string,
  format: string,
): Promise<StampedBundle<E> | undefined> {
  let parsed: { format?: unknown; files?: unknown };
  try {
    parsed = JSON.parse(await readFile(file, "utf8")) as typeof parsed;
  } catch {
    // No bundle (running from src/, or a build without its postbuild step): the files are parsed instead.
    return undefined;
  }
  if (parsed?.format !== format || typeof parsed.files !== "object" || parsed.files === null) return undefined;
  const files = parsed.files as Readonly<Record<string, E>>;
  const entryOf = (fileName: string) => (Object.hasOwn(files, fileName) ? files[fileName] : undefined);
  return {
    entryFor(fileName, text) {
      const entry = entryOf(fileName);
      return entry && entry.sha256 === sha256(text) ? entry : undefined;
    },
    entryForStat(fileName, size, mtimeMs) {
      const entry = entryOf(fileName);
      return entry && entry.size === size && entry.mtimeMs === mtimeMs ? entry : undefined;
    },
  };
}
