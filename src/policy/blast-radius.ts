import { globMatch } from "../core/index.js";
import type { Policy } from "./policy-schema.js";
import type { Tier } from "./tier.js";

/**
 * Paths no fix touches at any tier: CI definitions (workflows and the local actions they run),
 * Sentinel's own config, keys and secrets (`.env` files at any depth). No setting lifts them.
 */
export const ALWAYS_FORBIDDEN_PATHS: readonly string[] = [
  ".github/workflows/*",
  ".github/actions/*",
  ".gitlab-ci.yml",
  ".github/sentinel.yml",
  ".gitlab/sentinel.yml",
  "*.pem",
  "*.key",
  ".env*",
  "*/.env*",
];

/**
 * The limits a fix runs under at a tier. T0..T2 get `blastRadius`; T3 gets `wideScope` (never
 * narrower than blastRadius), and its `allowPaths` lift each of the user's forbidden globs they
 * match as text (the same glob or a wider one).
 */
export function blastRadiusFor(
  policy: Policy,
  tier: Tier,
): { maxFiles: number; maxLines: number; forbiddenPaths: string[] } {
  const { blastRadius, wideScope } = policy;
  const always = [...ALWAYS_FORBIDDEN_PATHS];
  const own = blastRadius.forbiddenPaths.filter((g) => !always.includes(g));
  if (tier < 3)
    return { maxFiles: blastRadius.maxFiles, maxLines: blastRadius.maxLines, forbiddenPaths: [...always, ...own] };
  const kept = own.filter((g) => !wideScope.allowPaths.some((a) => globMatch(a, g)));
  return {
    maxFiles: Math.max(blastRadius.maxFiles, wideScope.maxFiles),
    maxLines: Math.max(blastRadius.maxLines, wideScope.maxLines),
    forbiddenPaths: [...always, ...kept],
  };
}
