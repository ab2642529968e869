import type { StreamSource } from "../model/types.js";
import type { CompiledSentinel } from "../rules/rule-set.js";

/**
 * Which sentinels watch a stream: the source must be listed, and job/command globs must match
 * when the stream's job name or command is known. Unknown context excludes a sentinel only when it
 * says `whenUnknown: skip`.
 */
export function selectSentinels(
  sentinels: readonly CompiledSentinel[],
  context: { source?: StreamSource; jobName?: string; command?: string },
): CompiledSentinel[] {
  const source = context.source ?? "log";
  return sentinels.filter((s) => {
    if (!s.sources.includes(source)) return false;
    return applies(s.jobs, context.jobName, s.whenUnknown) && applies(s.commands, context.command, s.whenUnknown);
  });
}

function applies(globs: readonly string[] | undefined, value: string | undefined, whenUnknown: "apply" | "skip"): boolean {
  if (!globs) return true;
  if (value === undefined) return whenUnknown === "apply";
  return globs.some((g) => globMatch(g, value));
}

/**
 * `*` any run of characters, `?` one character; case-insensitive; the whole string must match.
 * Globs come from repositories' config, so this never builds a regex: `*a*a*a*a*b` as `.*a.*a…`
 * backtracks for minutes on a long name. Greedy matching that retries only the last `*` takes
 * at most glob × text steps.
 */
export function globMatch(glob: string, text: string): boolean {
  const g = glob.toLowerCase();
  const t = text.toLowerCase();
  let gi = 0;
  let ti = 0;
  let star = -1;
  let resume = 0;
  while (ti < t.length) {
    const c = g[gi];
    if (c === "*") {
      star = gi++;
      resume = ti;
    } else if (gi < g.length && (c === "?" || c === t[ti])) {
      gi++;
      ti++;
    } else if (star !== -1) {
      gi = star + 1;
      ti = ++resume;
    } else {
      return false;
    }
  }
  while (g[gi] === "*") gi++;
  return gi === g.length;
}
