import { z } from "zod";
import { CATEGORIES, type Category } from "../model/types.js";
import { UNKNOWN_CONFIDENCE } from "./confidence.js";

/**
 * What a problem matcher's findings mean to a diagnosis. The Actions format has no place for it,
 * so a matcher may carry an optional `sentinel` object (the runner ignores unknown properties, so
 * the file still works in Actions); matchers that popular setup actions ship are known by owner.
 */
export interface ProblemMatcherMeta {
  readonly category: Category | null;
  readonly tool: string;
  readonly confidence: number;
}

export const problemMatcherMetaSchema = z
  .object({
    category: z.enum(CATEGORIES).optional(),
    tool: z.string().min(1).max(100).optional(),
    confidence: z.number().min(0).max(1).optional(),
  })
  .strict();

/** A matcher that names its category is as sure as a builtin regex rule for a tool's error line. */
const KNOWN_CONFIDENCE = 0.8;
// UNKNOWN_CONFIDENCE (confidence.ts, which the engine reads without loading zod): without a
// category the finding still marks the first error line, but below the confidence a diagnosis
// needs to name a category, so an unknown matcher cannot claim to know why CI failed.
export { UNKNOWN_CONFIDENCE } from "./confidence.js";

const KNOWN_OWNERS: Readonly<Record<string, { category: Category; tool: string }>> = {
  tsc: { category: "typecheck", tool: "tsc" },
  "eslint-compact": { category: "lint", tool: "eslint" },
  "eslint-stylish": { category: "lint", tool: "eslint" },
  go: { category: "build", tool: "go" },
  "gcc-problem-matcher": { category: "build", tool: "gcc" },
  "msvc-problem-matcher": { category: "build", tool: "msvc" },
  csc: { category: "build", tool: "dotnet" },
  rustc: { category: "build", tool: "cargo" },
  "rust-compiler": { category: "build", tool: "cargo" },
  clippy: { category: "lint", tool: "clippy" },
  rustfmt: { category: "format", tool: "rustfmt" },
  "rust-formatter": { category: "format", tool: "rustfmt" },
  "rust-panic": { category: "test", tool: "cargo" },
  flake8: { category: "lint", tool: "flake8" },
  mypy: { category: "typecheck", tool: "mypy" },
  black: { category: "format", tool: "black" },
};

export function problemMatcherMeta(
  owner: string,
  declared: z.infer<typeof problemMatcherMetaSchema> | undefined,
): ProblemMatcherMeta {
  const known = KNOWN_OWNERS[owner.toLowerCase()];
  const category = declared?.category ?? known?.category ?? null;
  return {
    category,
    tool: declared?.tool ?? known?.tool ?? owner,
    confidence: declared?.confidence ?? (category ? KNOWN_CONFIDENCE : UNKNOWN_CONFIDENCE),
  };
}
