import type { StreamSource } from "../model/types.js";
import type { CompiledSentinel } from "../rules/rule-set.js";
import { globMatch } from "../../core/index.js";

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

function applies(
  globs: readonly string[] | undefined,
  value: string | undefined,
  whenUnknown: "apply" | "skip",
): boolean {
  if (!globs) return true;
  if (value === undefined) return whenUnknown === "apply";
  return globs.some((g) => globMatch(g, value));
}
