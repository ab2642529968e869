import type { CompiledPattern } from "../regex/compile-pattern.js";
import { startsLike, anchoredPrefix } from "../regex/anchored-prefix.js";
import { stripRunnerColorCodes } from "../problem-matcher/strip-runner-color-codes.js";
import { insertInOrder } from "./insert-in-order.js";
import type { ResumePoint } from "./line-literals.js";
import type { MatchingPlan } from "./matching-plan.js";

/**
 * What a line's literals say is worth trying on it (one object per plan, refilled per line). Its
 * lists are read-only: they are often the memo's own (candidate-memo.ts), handed out uncopied.
 */
export interface LineCandidates {
  /** Indexes into `plan.regex`, in priority order. */
  regex: readonly number[];
  errorLooking: boolean;
  /** The line holds a CI envelope literal (`##[`, `::error`, `section_start:`…). */
  envelope: boolean;
  /** How many earlier lines the problem matchers must replay; -1 when none triggers. */
  lookBack: number;
  /** The line holds a literal of some problem-matcher pattern (whether or not the pattern can match). */
  problemLiteral: boolean;
  /** The problem-matcher patterns whose literals the line holds and that might match it. */
  problemPatterns: readonly CompiledPattern[];
  /** Per problem pattern, its place in its matcher: the lines before it a replay must feed. */
  problemLookBacks: readonly number[];
  /** The lists this object fills itself, when the memo does not know the line's set. */
  readonly own: {
    readonly regex: number[];
    readonly problemPatterns: CompiledPattern[];
    readonly problemLookBacks: number[];
  };
}

/** A fresh candidates object for one classifier (refilled by `candidatesFor`). */
export function newCandidates(): LineCandidates {
  const own = { regex: [], problemPatterns: [], problemLookBacks: [] };
  return {
    regex: own.regex,
    errorLooking: false,
    envelope: false,
    lookBack: -1,
    problemLiteral: false,
    problemPatterns: own.problemPatterns,
    problemLookBacks: own.problemLookBacks,
    own,
  };
}

/**
 * Reads the literals in raw bytes `[start, end)` of one line into `out` (and `plan.line`): the regex
 * rules they point at whose other required literals the line holds too, the problem-matcher
 * patterns likewise, and whether the line looks like an error or holds a CI envelope marker.
 * Anchored starts are checked later, on the cleaned text (`dropByStart`).
 */
export function candidatesFor(
  plan: MatchingPlan,
  bytes: Uint8Array,
  start: number,
  end: number,
  out: LineCandidates = newCandidates(),
  resume: ResumePoint = { resumeAt: start, resumeState: 0, resumeReports: null },
): LineCandidates {
  const line = plan.line;
  const reports = resume.resumeReports;
  if (reports) line.readReports(reports, resume.reportsAt!, resume.reportsCount!, resume.reportsEscape!);
  else line.readBytes(bytes, start, end, resume.resumeAt, resume.resumeState);
  // Cleaning can join text around a colour code or a section marker into a literal the raw
  // bytes lack: then no rule is turned away for a missing literal.
  let sound = !line.sawEscape;
  for (const id of plan.sectionLiterals) if (line.has(id)) sound = false;
  const known = plan.memo.find(line, sound) ?? plan.memo.keep(line, sound, answerFor(plan, sound, out));
  // The memo's lists, not copies (dropByStart filters into `own` when it drops something).
  out.regex = known.regex;
  out.problemPatterns = known.problemPatterns;
  out.problemLookBacks = known.problemLookBacks;
  out.errorLooking = known.errorLooking;
  out.envelope = known.envelope;
  out.lookBack = known.lookBack;
  out.problemLiteral = known.problemLiteral;
  // From here on the gates may trust the literals read for this line's text (set by the caller
  // once it is decoded and cleaned), unless the bytes were not sound.
  line.exact = sound;
  return out;
}

/**
 * Works out what the literals in `plan.line` point at (candidatesFor, when the memo does not
 * know), in `out`'s own lists.
 */
function answerFor(plan: MatchingPlan, sound: boolean, out: LineCandidates): LineCandidates {
  const line = plan.line;
  const seen = plan.seenRegex;
  const stamp = nextStamp(plan);
  const { regex, problemPatterns, problemLookBacks } = out.own;
  // (Setting a length calls into V8's runtime: not for an array already empty.)
  if (regex.length > 0) regex.length = 0;
  if (problemPatterns.length > 0) {
    problemPatterns.length = 0;
    problemLookBacks.length = 0;
  }
  out.regex = regex;
  out.problemPatterns = problemPatterns;
  out.problemLookBacks = problemLookBacks;
  out.errorLooking = false;
  out.envelope = false;
  out.lookBack = -1;
  out.problemLiteral = false;
  for (const index of plan.alwaysRegex) {
    seen[index] = stamp;
    regex.push(index);
  }
  for (let i = 0; i < line.count; i++) {
    for (const t of plan.targets[line.ids[i]!]!) {
      if (t.kind === "regex") {
        const index = t.index;
        if (seen[index] === stamp) continue;
        seen[index] = stamp;
        if (!sound || line.holdsAll(plan.regexClauses[index]!)) insertInOrder(regex, index);
      } else if (t.kind === "problem") {
        out.problemLiteral = true;
        if (t.lookBack > out.lookBack) out.lookBack = t.lookBack;
        if (sound && !line.holdsAll(t.gate.clauses)) continue;
        if (problemPatterns.includes(t.pattern)) continue;
        problemPatterns.push(t.pattern);
        problemLookBacks.push(t.lookBack);
      } else if (t.kind === "error-looking") out.errorLooking = true;
      else out.envelope = true;
    }
  }
  return out;
}

/**
 * Drops the regex candidates whose anchored start the cleaned line lacks. A list of `out`'s own is
 * filtered in place; the memo's is left alone, and what is kept goes to `out`'s own list, only once
 * something is dropped.
 */
export function dropByStart(plan: MatchingPlan, out: LineCandidates, text: string): void {
  const regex = out.regex;
  // Where the kept indexes go: null while none of a shared list was dropped.
  let kept: number[] | null = regex === out.own.regex ? out.own.regex : null;
  let n = 0;
  for (let i = 0; i < regex.length; i++) {
    const index = regex[i]!;
    let anchor = plan.anchors[index];
    if (anchor === undefined) {
      const { source, ignoreCase } = plan.regex[index]!.pattern;
      anchor = plan.anchors[index] = anchoredPrefix(source, ignoreCase);
    }
    const keep = !anchor || startsLike(anchor, text);
    if (kept === null) {
      if (keep) {
        n++;
        continue;
      }
      // The first drop from the memo's list: what was kept before it (all of it) is copied.
      kept = out.own.regex;
      kept.length = 0;
      for (let k = 0; k < i; k++) kept.push(regex[k]!);
      continue;
    }
    if (keep) kept[n++] = index;
  }
  if (kept === null) return;
  if (kept.length > n) kept.length = n;
  out.regex = kept;
}

/** A fresh mark for `seenRegex` (wrapping around clears it). */
function nextStamp(plan: MatchingPlan): number {
  const state = plan.stamp;
  if (++state.value === 0xffffffff) {
    plan.seenRegex.fill(0);
    state.value = 1;
  }
  return state.value;
}

/**
 * How many lines before this one the problem matchers must be fed again, no match being in
 * progress, for the patterns that match it (-1: none does). A pattern that does not match this
 * line cannot start or complete anything on it, so a replay for its sake (its matcher's earlier
 * patterns on the lines before) would change nothing a later line's replay does not redo. The
 * deepest replay of the patterns that match serves them all.
 */
export function matchedLookBack(candidates: LineCandidates, text: string): number {
  const patterns = candidates.problemPatterns;
  if (patterns.length === 0) return -1;
  const stripped = stripRunnerColorCodes(text);
  let deepest = -1;
  for (let i = 0; i < patterns.length; i++) {
    const back = candidates.problemLookBacks[i]!;
    // (A test's answer is kept for the matcher's own run of the pattern on this line.)
    if (back > deepest && patterns[i]!.test(stripped)) deepest = back;
  }
  return deepest;
}
