import type { RE2JS } from "re2js";
import { bitStateSearch, type Re2Program, type Submatches } from "./bit-state.js";

export type { Submatches };

/**
 * The leftmost match of `re` in `input` with every group's text, in one search where re2js can.
 *
 * re2js's Matcher answers `find()` by searching for the whole match only, then `group(i)` searches
 * again for the groups: two runs of its backtracker on every line a pattern matches, and the
 * engine asks for the groups on every match. RE2's `findSubmatch` (on the object re2js keeps in
 * `re2Input`) asks for them in the first search; it is the same leftmost-first search, so the
 * answer is the same (test/sentinel/regex/submatch-search.test.ts checks every builtin pattern on
 * every real log line). A re2js without it falls back to the Matcher. Where that search would run
 * re2js's bit-state backtracker, bit-state.ts runs a copy of it over flat tables instead: the same
 * steps and answer, ~1.5x faster.
 */
export function submatchSearch(re: RE2JS): (input: string) => Submatches | null {
  const program = (re as unknown as { re2Input?: Re2Program }).re2Input;
  const findSubmatch = program?.findSubmatch;
  if (!program || typeof findSubmatch !== "function") return (input) => matcherSubmatches(re, input);
  const search = (input: string) => findSubmatch.call(program, input);
  return bitStateSearch(program, search) ?? search;
}

/** The same answer through re2js's public Matcher (two searches on a match). */
export function matcherSubmatches(re: RE2JS, input: string): Submatches | null {
  const m = re.matcher(input);
  if (!m.find()) return null;
  const groups: Array<string | null> = [];
  for (let i = 0; i <= re.groupCount(); i++) groups.push(m.group(i));
  return groups;
}
