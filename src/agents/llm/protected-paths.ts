/**
 * Where a model-written patch may write. Protected paths are refused whatever the allowed set
 * says: CI definitions and Sentinel's own configuration decide what runs and with which secrets,
 * so a fix for a failing test never needs them, and a prompt injection would want exactly them.
 */
export const PROTECTED_PATHS: readonly string[] = [
  ".github/",
  ".gitlab-ci.yml",
  ".gitlab/",
  ".git/",
  ".gitmodules",
  ".sentinel.yml",
  ".sentinel/",
  "CODEOWNERS",
  "docs/CODEOWNERS",
];

export interface WritePolicy {
  /** Path prefixes the patch may touch ("" allows every unprotected path). */
  allowed: readonly string[];
  protected: readonly string[];
}

export const DEFAULT_WRITE_POLICY: WritePolicy = { allowed: [""], protected: PROTECTED_PATHS };

/** Why `relative` may not be written, or undefined when it may. */
export function writeRefusal(relative: string, policy: WritePolicy): string | undefined {
  // Case-folded: on a case-insensitive checkout `.GitHub/workflows` is the same directory.
  const folded = relative.toLowerCase();
  const hit = policy.protected.find((p) => {
    const q = p.toLowerCase();
    return q.endsWith("/") ? folded.startsWith(q) : folded === q;
  });
  if (hit) return `${relative} is protected (${hit}): a model-written patch may not change it`;
  if (!policy.allowed.some((prefix) => relative.startsWith(prefix))) {
    return `${relative} is outside the paths this run may change (${policy.allowed.join(", ")})`;
  }
  return undefined;
}
