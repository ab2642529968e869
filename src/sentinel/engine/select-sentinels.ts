import type { StreamSource } from "../model/types.js";
import type { CompiledSentinel } from "../rules/rule-set.js";

/**
 * Which sentinels watch a stream: the source must be listed, and job/command globs must match
 * when the stream's job name or command is known (unknown context does not exclude a sentinel).
 */
export function selectSentinels(
  sentinels: readonly CompiledSentinel[],
  context: { source?: StreamSource; jobName?: string; command?: string },
): CompiledSentinel[] {
  const source = context.source ?? "log";
  return sentinels.filter((s) => {
    if (!s.sources.includes(source)) return false;
    if (s.jobs && context.jobName !== undefined && !s.jobs.some((g) => globMatch(g, context.jobName as string))) return false;
    if (s.commands && context.command !== undefined && !s.commands.some((g) => globMatch(g, context.command as string))) return false;
    return true;
  });
}

/** `*` any run of characters, `?` one character; case-insensitive; the whole string must match. */
export function globMatch(glob: string, text: string): boolean {
  const re = new RegExp("^" + glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$", "is");
  return re.test(text);
}
