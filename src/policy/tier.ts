import { z } from "zod";

export type Mode = "diagnose" | "shadow" | "propose" | "push";

/** diagnose: report only; shadow: fix in a sandbox, write nothing; propose: open fix PRs; push: also push to same-repo PR branches. */
export const modeSchema: z.ZodType<Mode> = z.enum(["diagnose", "shadow", "propose", "push"], {
  error: "mode is one of diagnose, shadow, propose, push",
});

/** T0 observe (shadow only), T1 propose PRs, T2 push to same-repo PR branches, T3 wider scopes the policy names. */
export type Tier = 0 | 1 | 2 | 3;

export const TIER_NAMES: Record<Tier, string> = { 0: "T0 observe", 1: "T1 propose", 2: "T2 push", 3: "T3 wide" };

const TIER_WORDS: Record<string, Tier> = { observe: 0, shadow: 0, propose: 1, push: 2, wide: 3 };

/** `"T2"`, `"t2"`, `"2"`, `"push"` and `"T2 push"` all read as 2; anything else is null. */
export function parseTier(s: string): Tier | null {
  const text = s.trim().toLowerCase().replace(/\s+/g, " ");
  const m = /^t?([0-3])(?: (\w+))?$/.exec(text);
  if (m) {
    const tier = Number(m[1]) as Tier;
    // "T2 push" is fine, "T2 propose" is a contradiction rather than a tier.
    if (m[2] !== undefined && TIER_WORDS[m[2]] !== tier) return null;
    return tier;
  }
  return Object.hasOwn(TIER_WORDS, text) ? (TIER_WORDS[text] as Tier) : null;
}

/** A tier in config: `T0`..`T3` (any case), `0`..`3`, or observe / propose / push / wide. */
export const tierSchema = z
  .union([z.string(), z.number()], { error: "write a tier as T0, T1, T2 or T3" })
  .transform((value, ctx): Tier => {
    const tier = parseTier(String(value));
    if (tier === null) {
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(value)} is not a tier; use T0 (observe), T1 (propose), T2 (push) or T3 (wide)`,
      });
      return z.NEVER;
    }
    return tier;
  });

export function tierLabel(tier: Tier): string {
  return `T${tier}`;
}
