import { RE2JS } from "re2js";
import type { CompiledPattern } from "../regex/compile-pattern.js";

/**
 * .NET numbers a regex's unnamed groups first (left to right) and its named groups after them,
 * while RE2 (like JavaScript) numbers all groups left to right. Matcher files index groups the .NET
 * way, so for a pattern with named groups return the RE2 group number for each .NET group number;
 * return undefined when the two numberings agree. Only called on a pattern compilePattern accepted,
 * to read the group table it does not expose.
 */
export function dotnetGroupNumbers(pattern: CompiledPattern): number[] | undefined {
  if (pattern.groupNames.length === 0) return undefined;
  const named = RE2JS.compile(RE2JS.translateRegExp(pattern.source)).namedGroups();
  const namedNumbers = new Set(Object.values(named));
  const unnamed: number[] = [];
  for (let n = 1; n <= pattern.groupCount; n++) if (!namedNumbers.has(n)) unnamed.push(n);
  const order = [0, ...unnamed, ...[...namedNumbers].sort((a, b) => a - b)];
  return order.every((re2Number, dotnetNumber) => re2Number === dotnetNumber) ? undefined : order;
}
