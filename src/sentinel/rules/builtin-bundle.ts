import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { BundledPatternFacts } from "../regex/lazy-pattern.js";
import type { CompiledSentinel } from "./rule-set.js";
import type { SentinelDefinition } from "./schema.js";

/**
 * The builtin rule files, parsed, validated and compiled once by `npm run build` (its postbuild
 * step, write-builtin-bundle.ts) instead of on every `sentinel classify`: YAML, the schema and
 * compiling 460 patterns with re2js were most of the CLI's start-up. The bundle holds each file's
 * validated definitions and what compiling them found (every pattern's literals, group names and
 * program size), so loading builds the rules without a parser and compiles a pattern only when a
 * line first reaches it (lazy-pattern.ts). Each file is keyed by a hash of its text, so a rule
 * file edited after the build is read from its source again.
 */
export const BUILTIN_BUNDLE_FILE = fileURLToPath(new URL("../../sentinels.bundle.json", import.meta.url));

// 3: each pattern's facts say how it runs (engine-plan.ts), worked out at build time.
export const BUNDLE_FORMAT = "sentinel-builtin-bundle/3";

/** A pattern's facts less what its definition says already (its text, its case folding). */
export type CompiledFacts = Omit<BundledPatternFacts, "source" | "ignoreCase" | "re2Source">;

/** What compiling one regex matcher found, by rule id. */
export interface RuleFacts {
  readonly literals: readonly string[] | null;
  readonly clauses: readonly (readonly string[])[];
  readonly pattern: CompiledFacts;
  readonly then?: readonly CompiledFacts[];
  readonly end?: CompiledFacts;
}

/**
 * A sentinel file's definitions and its rules' facts, or a problem-matcher file's compiled
 * sentinels as data (their patterns' facts in place of the compiled patterns, no `file`).
 */
export type BundleEntry = FileStamp &
  (
    | { readonly documents: readonly SentinelDefinition[]; readonly rules: Readonly<Record<string, RuleFacts>> }
    | { readonly sentinels: readonly Omit<CompiledSentinel, "file">[] }
  );

/**
 * Which text an entry was built from: its hash, and the file's size and modification time then,
 * so that an untouched file is known by a `stat` alone (an edit changes the time; a copy that
 * changes the time is hashed).
 */
export interface FileStamp {
  readonly sha256: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface BundleFile {
  readonly format: typeof BUNDLE_FORMAT;
  readonly files: Readonly<Record<string, BundleEntry>>;
}

/** A rule file's entry, when the bundle holds this very text. */
export interface BuiltinBundle {
  entryFor(fileName: string, text: string): BundleEntry | undefined;
  /** The entry of a file whose size and modification time are those the build saw (no need to read it). */
  entryForStat(fileName: string, size: number, mtimeMs: number): BundleEntry | undefined;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The bundle `npm run build` wrote, or undefined (not built, unreadable, another format): then every file is parsed. */
export async function readBuiltinBundle(file = BUILTIN_BUNDLE_FILE): Promise<BuiltinBundle | undefined> {
  let parsed: BundleFile;
  try {
    parsed = JSON.parse(await readFile(file, "utf8")) as BundleFile;
  } catch {
    // No bundle (running from src/, or a build without its postbuild step): the files are parsed instead.
    return undefined;
  }
  if (parsed?.format !== BUNDLE_FORMAT || typeof parsed.files !== "object") return undefined;
  const entryOf = (fileName: string) => (Object.hasOwn(parsed.files, fileName) ? parsed.files[fileName] : undefined);
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
