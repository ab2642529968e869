import path from "node:path";
import { DIST_DIR, readStampedBundle, type FileStamp, type StampedBundle } from "../../core/index.js";
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
export const BUILTIN_BUNDLE_FILE = path.join(DIST_DIR, "sentinels.bundle.json");

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

export interface BundleFile {
  readonly format: typeof BUNDLE_FORMAT;
  readonly files: Readonly<Record<string, BundleEntry>>;
}

/** A rule file's entry, when the bundle holds this very text. */
export type BuiltinBundle = StampedBundle<BundleEntry>;

/** The bundle `npm run build` wrote, or undefined (not built, unreadable, another format): then every file is parsed. */
export function readBuiltinBundle(file = BUILTIN_BUNDLE_FILE): Promise<BuiltinBundle | undefined> {
  return readStampedBundle<BundleEntry>(file, BUNDLE_FORMAT);
}
